import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { DesiredConfigSchema } from '../../foundation/edge-config/fleet-notice.ts';
import { CloudError } from '../errors.ts';
import {
  EdgeConfigHistorySchema,
  EdgeConfigStateSchema,
  EdgeConfigVersionWithBodySchema,
  SaveEdgeConfigSchema,
} from '../fleet/fleet-schema.ts';
import { PlaceIdSchema } from '../places/places-schema.ts';
import type { RouteDeps } from './route-deps.ts';
import { ErrorBodySchema } from './schemas.ts';

const EdgeParamsSchema = z.object({ edgeId: PlaceIdSchema });
const VersionParamsSchema = EdgeParamsSchema.extend({ version: z.coerce.number().int().positive() });
const errors = { 401: ErrorBodySchema, 403: ErrorBodySchema };
/** Camera sources may carry their credentials (rtsp://user:password@...): supervisors and admins only. */
const MANAGERS = ['supervisor', 'admin'] as const;

/**
 * Each edge's desired configuration (cameras, sources, zones, lines, scenarios, models): read, its
 * versions listed and saved by supervisors and admins, and pulled by the edge itself with its own
 * token once the retained notice on `fleet/{edgeId}/config` told it of a new version.
 */
export async function fleetRoutes(app: FastifyInstance, { core, auth }: RouteDeps) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const service = core.fleet;
  const manager = auth.requireUser(MANAGERS);
  // Validation hands the handler the config with every default filled in; what is stored (and
  // hashed, and sent to the edge) is the config as the user wrote it, which passed that validation.
  const written = new WeakMap<object, unknown>();

  r.get(
    '/edges/:edgeId/config',
    {
      onRequest: manager,
      schema: {
        tags: ['fleet'],
        summary: "The edge's desired configuration (newest version) and what the edge reports it runs",
        params: EdgeParamsSchema,
        response: { 200: EdgeConfigStateSchema, ...errors },
      },
    },
    async (request) => service.state(request.params.edgeId),
  );

  r.put(
    '/edges/:edgeId/config',
    {
      onRequest: manager,
      preValidation: async (request) => {
        const body = request.body as { config?: unknown } | undefined;
        written.set(request, structuredClone(body?.config));
      },
      schema: {
        tags: ['fleet'],
        summary:
          'Save a new desired configuration (a new version, with who and when); the edge is told and applies it',
        params: EdgeParamsSchema,
        body: SaveEdgeConfigSchema,
        response: { 200: EdgeConfigVersionWithBodySchema, ...errors },
      },
    },
    async (request) => {
      const user = request.user as NonNullable<typeof request.user>;
      const config = (written.get(request) ?? request.body.config) as typeof request.body.config;
      return service.save(user, request.params.edgeId, config, request.body.note);
    },
  );

  r.get(
    '/edges/:edgeId/config/versions',
    {
      onRequest: manager,
      schema: {
        tags: ['fleet'],
        summary: "Every saved version of the edge's configuration, newest first: who saved it and when",
        params: EdgeParamsSchema,
        response: { 200: EdgeConfigHistorySchema, ...errors },
      },
    },
    async (request) => service.history(request.params.edgeId),
  );

  r.get(
    '/edges/:edgeId/config/versions/:version',
    {
      onRequest: manager,
      schema: {
        tags: ['fleet'],
        summary: 'One saved version of the configuration, with its body',
        params: VersionParamsSchema,
        response: { 200: EdgeConfigVersionWithBodySchema, ...errors, 404: ErrorBodySchema },
      },
    },
    async (request) => service.version(request.params.edgeId, request.params.version),
  );

  r.get(
    '/edges/:edgeId/desired-config',
    {
      onRequest: auth.requireEdge(),
      schema: {
        tags: ['fleet'],
        summary: 'An edge pulls its newest desired configuration (edge token; its own only)',
        params: EdgeParamsSchema,
        response: { 200: DesiredConfigSchema, ...errors, 404: ErrorBodySchema },
      },
    },
    async (request) => {
      const { edgeId } = request.params;
      if (request.edgeId !== edgeId) {
        throw new CloudError('FORBIDDEN', `edge ${request.edgeId} may read only its own configuration`, {
          edgeId,
        });
      }
      return service.forEdge(edgeId);
    },
  );
}
