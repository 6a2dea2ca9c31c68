import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CloudError } from '../errors.ts';
import { featureOfPlace } from '../places/place-hierarchy.ts';
import { PlaceEditBodySchema, PlaceIdSchema } from '../places/places-schema.ts';
import type { RouteDeps } from './route-deps.ts';

/**
 * One place of the grid hierarchy, and admins' edits of it: kept in the database over the grid
 * file, in effect at once for placing new incidents in this instance (others take them at start
 * or at their next edit).
 */
export async function placeEditRoutes(app: FastifyInstance, { core, auth }: RouteDeps) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const admin = auth.requireUser(['admin']);
  const params = z.object({ id: PlaceIdSchema });

  r.get(
    '/places/:id',
    { onRequest: auth.requireUser(), schema: { tags: ['places'], summary: 'One place as GeoJSON', params } },
    async (request) => {
      const place = core.places.get(request.params.id);
      if (!place) throw new CloudError('NOT_FOUND', `no place "${request.params.id}"`);
      return featureOfPlace(place);
    },
  );

  r.put(
    '/places/:id',
    {
      onRequest: admin,
      schema: {
        tags: ['places'],
        summary: 'Create or replace a district, street, community or grid (kept over the grid file)',
        params,
        body: PlaceEditBodySchema,
      },
    },
    async (request, reply) => {
      const { place, created } = await core.placeEdits.putPlace(
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
      onRequest: admin,
      schema: {
        tags: ['places'],
        summary: 'Remove a place: refused (409) while it has children or open tickets',
        params,
      },
    },
    async (request, reply) => {
      await core.placeEdits.removePlace(request.params.id, request.user?.name ?? 'admin', core.clock());
      return reply.code(204).send();
    },
  );
}
