import type { FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { sendError } from './api-errors.ts';
import type { ApiSource } from './api-source.ts';

/** `GET /events` query: `limit`, a whole number from 1 to 1000, default 50. */
export const EventsQuerySchema = z.object({
  limit: z
    .string('must be given once')
    .regex(/^[0-9]+$/, 'must be a whole number from 1 to 1000')
    .transform(Number)
    .pipe(z.number().int().min(1, 'must be at least 1').max(1000, 'must be at most 1000'))
    .default(50),
});

/** `GET /events?limit=N`: the most recent events, newest first. */
export async function eventRoutes(app: FastifyInstance, { source }: { source: ApiSource }) {
  app.setErrorHandler(async (error, request, reply) => {
    if (!hasZodFastifySchemaValidationErrors(error)) throw error;
    const issue = error.validation[0];
    const parameter = issue?.instancePath.split('/')[1] || 'query';
    const given = (request.query as Record<string, unknown>)[parameter];
    const message = `query parameter ${parameter} ${issue?.message ?? 'is invalid'}, got ${JSON.stringify(given)}`;
    return sendError(reply, 'QUERY_INVALID', message, { parameter });
  });

  app.withTypeProvider<ZodTypeProvider>().get(
    '/events',
    {
      schema: {
        tags: ['events'],
        summary: 'The most recent events, newest first',
        querystring: EventsQuerySchema,
      },
    },
    async (request) => {
      const { limit } = request.query;
      return source.recentEvents(limit).slice(0, limit);
    },
  );
}
