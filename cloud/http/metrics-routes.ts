import type { FastifyInstance } from 'fastify';
import { type ConsumerLagSource, createCloudMetrics } from '../metrics/cloud-metrics.ts';
import type { RouteDeps } from './route-deps.ts';

/**
 * GET /metrics: Prometheus's text format (cloud/metrics/). Open like /health: a scraper holds no
 * user token, and the figures name no person, place or ticket. Keep the port off the public side.
 */
export async function metricsRoutes(
  app: FastifyInstance,
  deps: RouteDeps & { consumerLag?: ConsumerLagSource | undefined },
): Promise<void> {
  const metrics = createCloudMetrics(deps.core, deps.consumerLag);
  app.addHook('onClose', async () => metrics.close());
  app.get(
    '/metrics',
    {
      schema: {
        tags: ['operations'],
        summary:
          'Prometheus metrics: ingest, group-commit batches, dead letters, open tickets, escalations, process',
        security: [],
        produces: ['text/plain'],
      },
    },
    async (_request, reply) => reply.type(metrics.contentType).send(await metrics.render()),
  );
}
