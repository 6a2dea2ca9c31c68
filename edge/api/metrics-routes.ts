import type { FastifyInstance } from 'fastify';
import type { ApiSource } from './api-source.ts';
import type { CameraViews } from './camera-views.ts';
import { edgeMetrics } from './edge-metrics.ts';
import { PROMETHEUS_CONTENT_TYPE, renderExposition } from './prometheus-text.ts';

export interface MetricsRoutesOptions {
  source: ApiSource;
  views: CameraViews;
  now: () => number;
  fpsWindowSeconds: number;
}

/** `GET /metrics`: every metric of the box in Prometheus text format 0.0.4. */
export async function metricsRoutes(
  app: FastifyInstance,
  { source, views, now, fpsWindowSeconds }: MetricsRoutesOptions,
) {
  app.get(
    '/metrics',
    { schema: { tags: ['status'], summary: 'Prometheus metrics (text format 0.0.4)' } },
    async (_request, reply) => {
      const text = renderExposition(
        edgeMetrics({
          edgeId: source.edgeId,
          startedAt: source.startedAt,
          now: now(),
          fpsWindowSeconds,
          cameras: views.all(),
          models: source.models(),
          delivery: source.delivery?.(),
          evidence: source.evidence?.(),
          storage: source.storage?.(),
        }),
      );
      return reply
        .header('content-type', PROMETHEUS_CONTENT_TYPE)
        .header('cache-control', 'no-store')
        .send(text);
    },
  );
}
