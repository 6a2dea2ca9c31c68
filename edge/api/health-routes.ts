import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiSource } from './api-source.ts';

const HealthSchema = z.object({
  status: z.enum(['ok', 'degraded']),
  edgeId: z.string(),
  uptimeSeconds: z.number().int(),
  cameras: z.object({ live: z.number().int(), total: z.number().int() }),
  /** The data folder's disk: `disk_full` makes the box degraded (events wait, files are left out). */
  storage: z
    .object({
      state: z.enum(['ok', 'disk_full']),
      since: z.string().nullable(),
      eventsWaiting: z.number().int(),
      freeBytes: z.number().nullable(),
    })
    .optional(),
});

/**
 * `GET /health`: 200 while a camera is live, else 503 with the same body. `status` is `degraded`
 * also while the disk is full (the box still works: events wait in memory, files are left out).
 */
export async function healthRoutes(
  app: FastifyInstance,
  { source, now }: { source: ApiSource; now: () => number },
) {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/health',
    {
      schema: {
        tags: ['status'],
        summary: 'Whether a camera is live and the disk takes writes, the uptime and the camera count',
        response: { 200: HealthSchema, 503: HealthSchema },
      },
    },
    async (_request, reply) => {
      const cameras = source.cameras();
      const live = cameras.filter((c) => c.state === 'live').length;
      const storage = source.storage?.();
      const body = {
        status: live > 0 && storage?.state !== 'disk_full' ? ('ok' as const) : ('degraded' as const),
        edgeId: source.edgeId,
        uptimeSeconds: Math.max(0, Math.floor((now() - source.startedAt) / 1000)),
        cameras: { live, total: cameras.length },
        ...(storage
          ? {
              storage: {
                state: storage.state,
                since: storage.since === null ? null : new Date(storage.since).toISOString(),
                eventsWaiting: storage.eventsWaiting,
                freeBytes: storage.freeBytes,
              },
            }
          : {}),
      };
      return reply
        .code(live > 0 ? 200 : 503)
        .header('cache-control', 'no-store')
        .send(body);
    },
  );
}
