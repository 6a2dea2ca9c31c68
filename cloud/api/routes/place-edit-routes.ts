import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { CloudCore } from '../../app/cloud-core.ts';
import type { TokenAuth } from '../../auth/token-auth.ts';
import { PlaceEditError } from '../../places/place-edit-error.ts';
import { putPlace, removePlace } from '../../places/place-editor.ts';
import { featureOfPlace } from '../../places/place-hierarchy.ts';
import { PlaceEditBodySchema, PlaceIdSchema } from '../../places/places-schema.ts';

/**
 * One place of the grid hierarchy, and admins' edits of it: kept in the database over the grid
 * file, in effect at once for placing new incidents in this instance (others take them at start
 * or at their next edit).
 */
export async function placeEditRoutes(
  app: FastifyInstance,
  { core, auth }: { core: CloudCore; auth: TokenAuth },
) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const admin = auth.requireUser(['admin']);
  const params = z.object({ id: PlaceIdSchema });
  const context = { db: core.db, places: core.places };

  app.setErrorHandler(async (error, _request, reply) => {
    if (!(error instanceof PlaceEditError)) throw error;
    return reply
      .code(error.status)
      .send({ error: { code: error.code, message: error.message, ...error.details } });
  });

  r.get(
    '/places/:id',
    { preHandler: auth.requireUser(), schema: { tags: ['places'], summary: 'One place as GeoJSON', params } },
    async (request) => {
      const place = core.places.get(request.params.id);
      if (!place) throw new PlaceEditError('NOT_FOUND', `no place "${request.params.id}"`);
      return featureOfPlace(place);
    },
  );

  r.put(
    '/places/:id',
    {
      preHandler: admin,
      schema: {
        tags: ['places'],
        summary: 'Create or replace a district, street, community or grid (kept over the grid file)',
        params,
        body: PlaceEditBodySchema,
      },
    },
    async (request, reply) => {
      const { place, created } = await putPlace(
        context,
        request.params.id,
        request.body,
        request.user?.name ?? 'admin',
        core.clock(),
      );
      return reply.code(created ? 201 : 200).send(featureOfPlace(place));
    },
  );

  r.delete(
    '/places/:id',
    {
      preHandler: admin,
      schema: {
        tags: ['places'],
        summary: 'Remove a place: refused (409) while it has children or open tickets',
        params,
      },
    },
    async (request, reply) => {
      await removePlace(context, request.params.id, request.user?.name ?? 'admin', core.clock());
      return reply.code(204).send();
    },
  );
}
