import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { IncidentSchema } from '../incidents/incident-schema.ts';
import { apiError } from './http-errors.ts';
import type { RouteDeps } from './route-deps.ts';
import { IdParamsSchema, PageQuerySchema } from './schemas.ts';

/** Dead letters in one answer at most: with 64 KiB each, about 17 MB of JSON. */
const MAX_DEAD_LETTERS_LISTED = 200;

/** What the edges reported: incidents, raw events, dead letters and edge statuses. */
export async function observationRoutes(app: FastifyInstance, { core, auth }: RouteDeps) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const anyUser = auth.requireUser();

  r.get(
    '/incidents',
    {
      onRequest: anyUser,
      schema: {
        tags: ['incidents'],
        querystring: PageQuerySchema.extend({
          state: z.enum(['open', 'ended']).optional(),
          type: z.string().optional(),
        }),
        response: { 200: z.array(IncidentSchema) },
      },
    },
    async (request) => core.observations.incidents(request.query),
  );

  r.get(
    '/incidents/:id',
    { onRequest: anyUser, schema: { tags: ['incidents'], params: IdParamsSchema } },
    async (request, reply) => {
      const found = await core.observations.incident(request.params.id);
      if (!found) return reply.code(404).send(apiError('NOT_FOUND', `no incident ${request.params.id}`));
      return found;
    },
  );

  r.get(
    '/events',
    {
      onRequest: anyUser,
      schema: {
        tags: ['incidents'],
        summary: 'Events as the edges sent them, newest first',
        querystring: z.object({
          incidentId: z.coerce.number().int().positive().optional(),
          edgeId: z.string().optional(),
          limit: z.coerce.number().int().min(1).max(1000).default(100),
        }),
      },
    },
    async (request) => core.observations.events(request.query),
  );

  r.get(
    '/dead-letters',
    {
      onRequest: auth.requireUser(['supervisor', 'admin']),
      schema: {
        tags: ['ingest'],
        summary:
          'Messages refused at ingest, newest first, with the reason and the raw bytes (base64, the first 64 KiB, with the size and sha256 of the whole); page with `before` (the last id seen)',
        querystring: z.object({
          limit: z.coerce.number().int().min(1).max(MAX_DEAD_LETTERS_LISTED).default(50),
          before: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
        }),
      },
    },
    async (request) => core.observations.deadLetters(request.query.limit, request.query.before),
  );

  r.get(
    '/ingest',
    {
      onRequest: anyUser,
      schema: {
        tags: ['ingest'],
        summary: 'What this instance took from the broker since it started, and what the database holds',
      },
    },
    async () => core.observations.ingest(),
  );

  r.get(
    '/edges',
    {
      onRequest: anyUser,
      schema: { tags: ['ingest'], summary: "Each edge: online or offline, and its cameras' health" },
    },
    async () => core.observations.edges(),
  );
}
