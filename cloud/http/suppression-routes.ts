import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  EdgeSuppressionRegionsSchema,
  SuppressionMatchesSchema,
} from '../../foundation/suppression/suppression-region.ts';
import { CloudError } from '../errors.ts';
import { PlaceIdSchema } from '../places/places-schema.ts';
import {
  CameraSuppressionSchema,
  RegionIdSchema,
  RemovedRegionSchema,
} from '../suppression/suppression-schema.ts';
import { SuppressionService } from '../suppression/suppression-service.ts';
import type { RouteDeps } from './route-deps.ts';
import { ErrorBodySchema } from './schemas.ts';

const CameraParamsSchema = z.object({ edgeId: PlaceIdSchema, cameraId: PlaceIdSchema });
const EdgeParamsSchema = z.object({ edgeId: PlaceIdSchema });
const errors = { 401: ErrorBodySchema, 403: ErrorBodySchema };

/**
 * Per-camera suppression regions learned from operators' "not an object" verdicts: listed for
 * users, removed by supervisors and admins (audited: who and when stay listed), and served to
 * each edge (with its own token) for its cameras, which report back when regions matched.
 */
export async function suppressionRoutes(app: FastifyInstance, { core, auth }: RouteDeps) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const service = new SuppressionService(core.store, core.config.suppression, core.clock);

  r.get(
    '/cameras/:edgeId/:cameraId/suppression-regions',
    {
      onRequest: auth.requireUser(),
      schema: {
        tags: ['suppression'],
        summary:
          "The camera's suppression regions (active and lapsed) with their rejections, and those removed",
        params: CameraParamsSchema,
        response: { 200: CameraSuppressionSchema, ...errors },
      },
    },
    async (request) => service.forCamera(request.params.edgeId, request.params.cameraId),
  );

  r.delete(
    '/cameras/:edgeId/:cameraId/suppression-regions/:regionId',
    {
      onRequest: auth.requireUser(['supervisor', 'admin']),
      schema: {
        tags: ['suppression'],
        summary: 'Remove a suppression region; its rejections never make a region again',
        params: CameraParamsSchema.extend({ regionId: RegionIdSchema }),
        response: { 200: RemovedRegionSchema, ...errors, 404: ErrorBodySchema },
      },
    },
    async (request) => {
      const user = request.user as NonNullable<typeof request.user>;
      const { edgeId, cameraId, regionId } = request.params;
      return service.remove(user, edgeId, cameraId, regionId);
    },
  );

  const ownEdge = auth.requireEdge();
  /** An edge reads and reports only its own regions. */
  const itself = (request: { edgeId?: string }, edgeId: string) => {
    if (request.edgeId !== edgeId) {
      throw new CloudError('FORBIDDEN', `edge ${request.edgeId} may read and report only its own regions`, {
        edgeId,
      });
    }
    return edgeId;
  };

  r.get(
    '/edges/:edgeId/suppression-regions',
    {
      onRequest: ownEdge,
      schema: {
        tags: ['suppression'],
        summary: "An edge's regions to apply (edge token): its cameras' regions that have not lapsed",
        params: EdgeParamsSchema,
        response: { 200: EdgeSuppressionRegionsSchema, ...errors },
      },
    },
    async (request) => service.forEdge(itself(request, request.params.edgeId)),
  );

  r.post(
    '/edges/:edgeId/suppression-regions/matches',
    {
      onRequest: ownEdge,
      schema: {
        tags: ['suppression'],
        summary:
          'An edge reports when its regions last dropped a detection (edge token); this keeps them from lapsing',
        params: EdgeParamsSchema,
        body: SuppressionMatchesSchema,
        response: { 200: z.object({ recorded: z.number().int() }), ...errors },
      },
    },
    async (request) => service.recordMatches(itself(request, request.params.edgeId), request.body),
  );
}
