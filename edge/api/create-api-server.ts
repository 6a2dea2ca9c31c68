import type { AddressInfo } from 'node:net';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { EdgeError } from '../errors.ts';
import type { EvidenceFiles } from '../evidence/evidence-files.ts';
import type { LiveView } from '../live/live-relays.ts';
import { apiError, sendError } from './api-errors.ts';
import type { ApiSource } from './api-source.ts';
import { cameraRoutes } from './camera-routes.ts';
import { CameraViews } from './camera-views.ts';
import { eventRoutes } from './event-routes.ts';
import { evidenceRoutes } from './evidence-routes.ts';
import { type FlightRoutesOptions, flightRoutes } from './flight-routes.ts';
import { healthRoutes } from './health-routes.ts';
import { metricsRoutes } from './metrics-routes.ts';

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
  flights?: FlightRoutesOptions;
}

export interface ApiServer {
  /** The fastify instance, e.g. for `inject()`. */
  readonly app: FastifyInstance;
  /** Starts listening; resolves with where. */
  listen(): Promise<{ host: string; port: number; url: string }>;
  close(): Promise<void>;
}

/** How often each camera's analysed-frame counter is sampled for its rate, besides every scrape. */
const SAMPLE_INTERVAL_MS = 1000;

const ROUTES = [
  'GET /health',
  'GET /metrics',
  'GET /cameras',
  'GET /cameras/:id',
  'GET /cameras/:id/latest.jpg',
  'GET /cameras/:id/live',
  'GET /evidence/:sha256',
  'GET /events?limit=N',
];
const FLIGHT_ROUTES = ['PUT /flights/:flightId/images/:fileName', 'POST /flights/:flightId/process'];

/**
 * The edge box's local HTTP API: health, Prometheus metrics, camera status and latest frames,
 * recent events, evidence files and, where configured, drone flight uploads. It reads everything
 * from `source` on request and changes nothing but uploaded flights. Each route's zod schema
 * validates its input and writes the OpenAPI document (`app.swagger()`).
 */
export function createApiServer(source: ApiSource, options: ApiServerOptions): ApiServer {
  const host = options.host ?? '127.0.0.1';
  const now = options.now ?? Date.now;
  const fpsWindowSeconds = options.fpsWindowSeconds ?? 10;
  const logger = options.logger ?? false;
  const app: FastifyInstance =
    typeof logger === 'boolean' ? Fastify({ logger }) : Fastify({ loggerInstance: logger });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.register(swagger, {
    openapi: { info: { title: 'City stream analytics: edge local API', version: '1' } },
    transform: jsonSchemaTransform,
  });

  const views = new CameraViews(source, fpsWindowSeconds, now);
  const stopSampling = views.sampleEvery(SAMPLE_INTERVAL_MS, (error) =>
    app.log.warn({ err: error }, 'API could not sample camera counters'),
  );
  app.addHook('onClose', async () => stopSampling());

  app.register(healthRoutes, { source, now });
  app.register(metricsRoutes, { source, views, now, fpsWindowSeconds });
  app.register(cameraRoutes, { source, views, live: options.live });
  app.register(evidenceRoutes, { evidence: options.evidence });
  app.register(eventRoutes, { source });
  if (options.flights) app.register(flightRoutes, options.flights);

  app.setNotFoundHandler(async (request, reply) =>
    sendError(reply, 'ROUTE_NOT_FOUND', `no route ${request.method} ${request.url}`, {
      routes: options.flights ? [...ROUTES, ...FLIGHT_ROUTES] : ROUTES,
    }),
  );

  app.setErrorHandler(async (error, request, reply) => {
    if (error instanceof EdgeError) return sendError(reply, error.code, error.message);
    const status =
      typeof error === 'object' && error !== null && 'statusCode' in error ? error.statusCode : 500;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return reply.code(status).send(apiError('BAD_REQUEST', errorMessage(error)));
    }
    request.log.error({ err: error }, 'API request failed');
    return sendError(reply, 'INTERNAL', errorMessage(error));
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

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
