import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CameraSchema, PlaceLevelSchema } from '../places/places-schema.ts';
import { apiError } from './http-errors.ts';
import { placeEditRoutes } from './place-edit-routes.ts';
import type { RouteDeps } from './route-deps.ts';

/** The camera registry and the grid hierarchy: their files with the admins' edits over them. */
export async function placeRoutes(app: FastifyInstance, { core, auth }: RouteDeps) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const anyUser = auth.requireUser();
  const { places } = core;
  await app.register(placeEditRoutes, { core, auth });

  r.get('/cameras', { onRequest: anyUser, schema: { tags: ['places'] } }, async () =>
    places.listCameras().map((camera) => {
      const [lon, lat] = places.viewPoint(camera);
      return { ...camera, viewPoint: { lat, lon }, placement: places.locate([lon, lat]) };
    }),
  );

  r.get(
    '/cameras/:edgeId/:cameraId',
    {
      onRequest: anyUser,
      schema: { tags: ['places'], params: z.object({ edgeId: z.string(), cameraId: z.string() }) },
    },
    async (request, reply) => {
      const camera = places.camera(request.params.edgeId, request.params.cameraId);
      if (!camera)
        return reply
          .code(404)
          .send(apiError('NOT_FOUND', `no camera ${request.params.edgeId}/${request.params.cameraId}`));
      const [lon, lat] = places.viewPoint(camera);
      return { ...camera, viewPoint: { lat, lon }, placement: places.locate([lon, lat]) };
    },
  );

  const CameraParams = z.object({ edgeId: z.string(), cameraId: z.string() });

  r.put(
    '/cameras/:edgeId/:cameraId',
    {
      onRequest: auth.requireUser(['admin']),
      schema: {
        tags: ['places'],
        summary: 'Add or change a camera (kept in the database over the registry file)',
        params: CameraParams,
        body: CameraSchema.omit({ id: true, edgeId: true }),
      },
    },
    async (request) => {
      const { edgeId, cameraId } = request.params;
      const camera = CameraSchema.parse({ ...request.body, id: cameraId, edgeId });
      await core.placeEdits.saveCamera(camera, request.user?.name ?? 'admin', core.clock());
      const [lon, lat] = places.viewPoint(camera);
      return { ...camera, viewPoint: { lat, lon }, placement: places.locate([lon, lat]) };
    },
  );

  r.delete(
    '/cameras/:edgeId/:cameraId',
    {
      onRequest: auth.requireUser(['admin']),
      schema: { tags: ['places'], summary: 'Remove a camera from the registry', params: CameraParams },
    },
    async (request, reply) => {
      const { edgeId, cameraId } = request.params;
      const removed = await core.placeEdits.removeCamera(
        edgeId,
        cameraId,
        request.user?.name ?? 'admin',
        core.clock(),
      );
      if (!removed) return reply.code(404).send(apiError('NOT_FOUND', `no camera ${edgeId}/${cameraId}`));
      return reply.code(204).send();
    },
  );

  r.get(
    '/places',
    {
      onRequest: anyUser,
      schema: {
        tags: ['places'],
        summary: 'The grid hierarchy as GeoJSON',
        querystring: z.object({ level: PlaceLevelSchema.optional() }),
      },
    },
    async (request) => ({
      type: 'FeatureCollection',
      features: places.list(request.query.level).map((p) => ({
        type: 'Feature',
        properties: { id: p.id, level: p.level, name: p.name, ...(p.parent ? { parent: p.parent } : {}) },
        geometry: { type: 'MultiPolygon', coordinates: p.polygons },
      })),
    }),
  );

  r.get(
    '/places/locate',
    {
      onRequest: anyUser,
      schema: {
        tags: ['places'],
        summary: 'The grid, community, street and district of a point',
        querystring: z.object({
          lat: z.coerce.number().min(-90).max(90),
          lon: z.coerce.number().min(-180).max(180),
        }),
      },
    },
    async (request) => places.locate([request.query.lon, request.query.lat]),
  );
}
