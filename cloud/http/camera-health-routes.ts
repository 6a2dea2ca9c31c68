import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { RouteDeps } from './route-deps.ts';

const CameraHealthRowSchema = z.object({
  edgeId: z.string(),
  cameraId: z.string(),
  name: z.string().nullable(),
  health: z.enum(['fault', 'offline', 'no_signal_yet', 'unknown', 'ok']),
  edgeState: z.enum(['online', 'offline']).nullable(),
  sourceState: z.string().nullable(),
  lastFrameTime: z.number().nullable(),
  faults: z.array(
    z.object({
      fault: z.string().nullable(),
      since: z.string(),
      ticketId: z.number().int().nullable(),
      ticketState: z.string().nullable(),
    }),
  ),
});

/** The cameras by health (video quality diagnosis, cloud/health/). */
export async function cameraHealthRoutes(app: FastifyInstance, { core, auth }: RouteDeps) {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/camera-health',
    {
      onRequest: auth.requireUser(),
      schema: {
        tags: ['cameras'],
        summary:
          'Every known camera with its open faults (camera_fault incidents) and its source state, worst first',
        response: { 200: z.array(CameraHealthRowSchema) },
      },
    },
    async () => core.maintenance.cameraHealth(),
  );
}
