import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { FalseAlarmRowSchema, GROUP_KEYS, StatisticsRowSchema } from '../statistics/statistics-schema.ts';
import type { RouteDeps } from './route-deps.ts';
import { csv, IsoDateQuery } from './schemas.ts';

export async function statisticsRoutes(app: FastifyInstance, { core, auth }: RouteDeps) {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/statistics/tickets',
    {
      onRequest: auth.requireUser(),
      schema: {
        tags: ['statistics'],
        summary: 'Counts, closure rate, on-time rate and mean minutes per step, grouped',
        querystring: z.object({
          groupBy: csv(z.enum(GROUP_KEYS))
            .default([])
            .describe(`comma-separated: ${GROUP_KEYS.join(', ')}`),
          from: IsoDateQuery.optional(),
          to: IsoDateQuery.optional(),
        }),
        response: { 200: z.array(StatisticsRowSchema) },
      },
    },
    async (request) => core.statistics.tickets(request.query.groupBy, request.query),
  );

  r.get(
    '/statistics/false-alarms',
    {
      onRequest: auth.requireUser(),
      schema: {
        tags: ['statistics'],
        summary: 'Share of reviewed AI tickets rejected, per camera and per model',
        response: { 200: z.array(FalseAlarmRowSchema) },
      },
    },
    async () => core.statistics.falseAlarms(),
  );
}
