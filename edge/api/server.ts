import { createReadStream } from 'node:fs';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import sharp from 'sharp';
import { z } from 'zod';
import { type FlightRoutesOptions, registerFlightRoutes } from '../drone/flight-routes.ts';
import type { FlightService } from '../drone/flight-service.ts';
import type { EvidenceFiles } from '../evidence/evidence-files.ts';
import type { LiveView } from '../live/live-relays.ts';
import { apiError } from './api-errors.ts';
import type { ApiSource, CameraStatusView } from './api-source.ts';
import { edgeMetrics } from './edge-metrics.ts';
import { PROMETHEUS_CONTENT_TYPE, renderExposition } from './prometheus-text.ts';
import { RateWindow } from './rate-window.ts';

export interface ApiServerOptions {
  /** Interface to bind; default 127.0.0.1 (this box only). */
  host?: string;
  /** 0 picks a free port (see `listen()`'s answer). */
  port: number;
  /** Request log: a pino logger, `true` for fastify's own, absent or `false` for none. */
  logger?: FastifyBaseLogger | boolean;
  /** Window of the analysed-fps rate, seconds; default 10. */
  fpsWindowSeconds?: number;
  /** Wall clock, ms since the epoch; default `Date.now`. */
  now?: () => number;
  /** Live view relays; absent: no live pages. */
  live?: LiveView;
  /** Evidence files served by hash; absent: none. */
  evidence?: EvidenceFiles;
  /** Drone flight uploads and comparison; absent: no flight routes. */
  flights?: FlightRoutesOptions & { service: FlightService };
}

export interface ApiServer {
  /** The fastify instance, e.g. for `inject()`. */
  readonly app: FastifyInstance;
  /** Starts listening; resolves with where. */
  listen(): Promise<{ host: string; port: number; url: string }>;
  close(): Promise<void>;
}

export type CameraView = CameraStatusView & { analysedFps: number };

/** `GET /events` query: `limit`, a whole number from 1 to 1000, default 50. */
export const EventsQuerySchema = z.object({
  limit: z
    .string('must be given once')
    .regex(/^[0-9]+$/, 'must be a whole number from 1 to 1000')
    .transform(Number)
    .pipe(z.number().int().min(1, 'must be at least 1').max(1000, 'must be at most 1000'))
    .default(50),
});

/** How often each camera's analysed-frame counter is sampled for its rate, besides every scrape. */
const SAMPLE_INTERVAL_MS = 1000;
const JPEG_QUALITY = 80;

/**
 * The edge box's local HTTP API: health, Prometheus metrics, camera status and latest frames,
 * recent events. It reads everything from `source` on request and changes nothing.
 */
export function createApiServer(source: ApiSource, options: ApiServerOptions): ApiServer {
  const host = options.host ?? '127.0.0.1';
  const now = options.now ?? Date.now;
  const fpsWindowSeconds = options.fpsWindowSeconds ?? 10;
  const logger = options.logger ?? false;
  const app: FastifyInstance =
    typeof logger === 'boolean' ? Fastify({ logger }) : Fastify({ loggerInstance: logger });

  const rates = new Map<string, RateWindow>();
  /** Every camera with its analysed fps; samples the counters on the way. */
  const cameraViews = (): CameraView[] => {
    const time = now();
    const cameras = source.cameras();
    for (const id of rates.keys()) if (!cameras.some((c) => c.id === id)) rates.delete(id);
    return cameras.map((camera) => {
      let rate = rates.get(camera.id);
      if (rate === undefined) {
        rate = new RateWindow(fpsWindowSeconds * 1000);
        rates.set(camera.id, rate);
      }
      rate.add(time, camera.counters.framesAnalysed);
      return { ...camera, analysedFps: round(rate.perSecond(), 3) };
    });
  };
  // A timer callback that throws would take the process down: a failing source is only logged.
  const sample = (): void => {
    try {
      cameraViews();
    } catch (error) {
      app.log.warn({ err: error }, 'API could not sample camera counters');
    }
  };
  sample();
  const sampler = setInterval(sample, SAMPLE_INTERVAL_MS);
  sampler.unref();
  app.addHook('onClose', async () => clearInterval(sampler));

  const findCamera = (id: string): CameraView | { error: ReturnType<typeof apiError> } => {
    const cameras = cameraViews();
    const camera = cameras.find((c) => c.id === id);
    if (camera !== undefined) return camera;
    const known = cameras.map((c) => c.id);
    return {
      error: apiError('CAMERA_NOT_FOUND', `no camera "${id}"; known: ${known.join(', ') || '(none)'}`, {
        cameraId: id,
        knownCameraIds: known,
      }),
    };
  };

  app.get('/health', async (_request, reply) => {
    const cameras = source.cameras();
    const live = cameras.filter((c) => c.state === 'live').length;
    const body = {
      status: live > 0 ? 'ok' : 'degraded',
      edgeId: source.edgeId,
      uptimeSeconds: Math.max(0, Math.floor((now() - source.startedAt) / 1000)),
      cameras: { live, total: cameras.length },
    };
    return reply
      .code(live > 0 ? 200 : 503)
      .header('cache-control', 'no-store')
      .send(body);
  });

  app.get('/metrics', async (_request, reply) => {
    const text = renderExposition(
      edgeMetrics({
        edgeId: source.edgeId,
        startedAt: source.startedAt,
        now: now(),
        fpsWindowSeconds,
        cameras: cameraViews(),
        models: source.models(),
        delivery: source.delivery?.(),
        evidence: source.evidence?.(),
      }),
    );
    return reply
      .header('content-type', PROMETHEUS_CONTENT_TYPE)
      .header('cache-control', 'no-store')
      .send(text);
  });

  app.get('/cameras', async () => cameraViews());

  app.get<{ Params: { id: string } }>('/cameras/:id', async (request, reply) => {
    const found = findCamera(request.params.id);
    return 'error' in found ? reply.code(404).send(found.error) : found;
  });

  app.get<{ Params: { id: string } }>('/cameras/:id/latest.jpg', async (request, reply) => {
    const { id } = request.params;
    const found = findCamera(id);
    if ('error' in found) return reply.code(404).send(found.error);
    const frame = source.latestFrame(id);
    if (frame === undefined) {
      return reply
        .code(503)
        .header('retry-after', '1')
        .send(
          apiError('FRAME_NOT_YET', `camera "${id}" has not delivered a frame yet (state ${found.state})`),
        );
    }
    const expected = frame.width * frame.height * 3;
    if (frame.data.length !== expected) {
      throw new Error(
        `camera "${id}" frame is ${frame.data.length} bytes, not ${frame.width}x${frame.height}x3 = ${expected}`,
      );
    }
    const jpeg = await sharp(frame.data, { raw: { width: frame.width, height: frame.height, channels: 3 } })
      .jpeg({ quality: JPEG_QUALITY })
      .toBuffer();
    return reply
      .header('content-type', 'image/jpeg')
      .header('cache-control', 'no-store')
      .header('x-frame-time', new Date(frame.time).toISOString())
      .send(jpeg);
  });

  app.get<{ Params: { id: string } }>('/cameras/:id/live', async (request, reply) => {
    const { id } = request.params;
    const found = findCamera(id);
    if ('error' in found) return reply.code(404).send(found.error);
    const relay = options.live?.relay(id);
    if (!relay) {
      return reply
        .code(404)
        .send(apiError('LIVE_VIEW_OFF', `the live view is off on this edge box (live.enabled)`));
    }
    return reply
      .header('content-type', 'text/html; charset=utf-8')
      .send(livePage(found.name ?? id, relay.port));
  });

  app.get('/live/jsmpeg-player.js', async (_request, reply) =>
    reply
      .header('content-type', 'text/javascript; charset=utf-8')
      .header('cache-control', 'public, max-age=86400')
      .send(createReadStream(jsmpegPlayerPath())),
  );

  app.get<{ Params: { sha256: string } }>('/evidence/:sha256', async (request, reply) => {
    const { sha256 } = request.params;
    const file = /^[0-9a-f]{64}$/.test(sha256) ? await options.evidence?.find(sha256) : undefined;
    if (!file)
      return reply
        .code(404)
        .send(apiError('EVIDENCE_NOT_FOUND', `no evidence file ${sha256} on this edge box`));
    return reply
      .header('content-type', file.contentType)
      .header('content-length', String(file.size))
      .header('cache-control', 'private, max-age=31536000, immutable')
      .send(createReadStream(file.file));
  });

  if (options.flights) {
    const { service, ...routeOptions } = options.flights;
    registerFlightRoutes(app, service, routeOptions);
  }

  app.get('/events', async (request, reply) => {
    const parsed = EventsQuerySchema.safeParse(request.query);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const parameter = String(issue?.path[0] ?? 'query');
      const given = (request.query as Record<string, unknown>)[parameter];
      const message = `query parameter ${parameter} ${issue?.message ?? 'is invalid'}, got ${JSON.stringify(given)}`;
      return reply.code(400).send(apiError('QUERY_INVALID', message, { parameter }));
    }
    const { limit } = parsed.data;
    return source.recentEvents(limit).slice(0, limit);
  });

  app.setNotFoundHandler(async (request, reply) =>
    reply.code(404).send(
      apiError('ROUTE_NOT_FOUND', `no route ${request.method} ${request.url}`, {
        routes: [
          'GET /health',
          'GET /metrics',
          'GET /cameras',
          'GET /cameras/:id',
          'GET /cameras/:id/latest.jpg',
          'GET /cameras/:id/live',
          'GET /evidence/:sha256',
          'GET /events?limit=N',
          ...(options.flights
            ? ['PUT /flights/:flightId/images/:fileName', 'POST /flights/:flightId/process']
            : []),
        ],
      }),
    ),
  );

  app.setErrorHandler(async (error, request, reply) => {
    const status =
      typeof error === 'object' && error !== null && 'statusCode' in error ? error.statusCode : 500;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return reply.code(status).send(apiError('BAD_REQUEST', errorMessage(error)));
    }
    request.log.error({ err: error }, 'API request failed');
    return reply.code(500).send(apiError('INTERNAL', errorMessage(error)));
  });

  return {
    app,
    async listen() {
      await app.listen({ host, port: options.port });
      const address = app.server.address() as AddressInfo;
      const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      return { host: address.address, port: address.port, url: `http://${shownHost}:${address.port}` };
    },
    close: () => app.close(),
  };
}

let jsmpegPlayer: string | undefined;
function jsmpegPlayerPath(): string {
  // The package exports only its module entries; the browser build lies beside them in dist/.
  const entry = createRequire(import.meta.url).resolve('@cycjimmy/jsmpeg-player');
  jsmpegPlayer ??= path.join(path.dirname(entry), 'jsmpeg-player.umd.min.js');
  return jsmpegPlayer;
}

/** A page playing the camera's relay: the websocket is on the same host as the page, at `port`. */
function livePage(title: string, port: number): string {
  const name = title.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${name} · live</title>
<style>body{margin:0;background:#111;color:#eee;font:14px sans-serif}h1{font-size:16px;margin:8px}
#video{width:min(100vw,1280px);aspect-ratio:4/3;margin:auto}</style></head>
<body><h1>${name} · live</h1><div id="video"></div>
<script src="/live/jsmpeg-player.js"></script>
<script>
  var url = 'ws://' + location.hostname + ':${port}/';
  window.liveView = new JSMpeg.VideoElement('#video', url, { autoplay: true, control: false, decodeFirstFrame: true });
</script></body></html>
`;
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
