import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import {
  hasZodFastifySchemaValidationErrors,
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
} from 'fastify-type-provider-zod';
import { CloudError } from '../errors.ts';
import type { EvidenceStore } from '../evidence/evidence-store-types.ts';
import type { ConsumerLagSource } from '../metrics/cloud-metrics.ts';
import type { CloudCore } from '../services/cloud-core.ts';
import { cameraHealthRoutes } from './camera-health-routes.ts';
import { registerEvidenceRoutes } from './evidence-routes.ts';
import { fleetRoutes } from './fleet-routes.ts';
import { apiError, asInputError, statusOf } from './http-errors.ts';
import { labelRoutes } from './label-routes.ts';
import { liveRoutes } from './live-routes.ts';
import { metricsRoutes } from './metrics-routes.ts';
import { modelRoutes } from './model-routes.ts';
import { observationRoutes } from './observation-routes.ts';
import { registerOpen311Routes } from './open311-routes.ts';
import { permitRoutes } from './permit-routes.ts';
import { placeRoutes } from './place-routes.ts';
import { redactingChildLoggerFactory, refuseNul } from './request-guards.ts';
import { statisticsRoutes } from './statistics-routes.ts';
import { suppressionRoutes } from './suppression-routes.ts';
import { ticketRoutes } from './ticket-routes.ts';
import { refuseTokenInUrl, type TokenAuth } from './token-auth.ts';
import { uiPlugin } from './ui-plugin.ts';
import { vocabularyRoutes } from './vocabulary-routes.ts';

export const API_PREFIX = '/api/v1';

export interface CloudServerOptions {
  core: CloudCore;
  auth: TokenAuth;
  evidence?: EvidenceStore | undefined;
  /** A pino logger, `true` for fastify's own, absent or false for none. */
  logger?: FastifyBaseLogger | boolean;
  /** Serve the operator web UI at /ui/ (with /api/v1/me and /api/v1/edge-links). */
  ui?: { edgeApiUrls?: ReadonlyMap<string, string> | undefined } | undefined;
  /** Messages the external broker dropped (its $SYS counter), where it reports one. */
  brokerDroppedMessages?: () => number | undefined;
  /** The NATS consumers' backlog, for /metrics (cloud/nats/); absent or undefined over MQTT. */
  consumerLag?: ConsumerLagSource;
}

/** Largest JSON or form body (fastify's default, stated): evidence chunks have their own limit. */
const BODY_LIMIT_BYTES = 1024 * 1024;

/**
 * The cloud's HTTP API: REST under /api/v1, Open311 GeoReport v2 under /open311/v2, evidence
 * upload, the live feed (SSE), OpenAPI at /docs. Every body, query and path is validated by its
 * zod schema, which also writes the OpenAPI document. Every request, whatever its route: the
 * token is checked before the body is read (onRequest), a token in the URL is refused outside the
 * routes that need one, no NUL character gets past validation, and the log never holds a token.
 */
export async function createCloudServer(options: CloudServerOptions): Promise<FastifyInstance> {
  const { core, auth } = options;
  const logger = options.logger ?? false;
  // Stopping closes every connection, not only idle ones: live-feed streams never go idle, and
  // edges and browsers reconnect (an edge's interrupted upload resumes from what was stored).
  const settings = {
    forceCloseConnections: true,
    bodyLimit: BODY_LIMIT_BYTES,
    childLoggerFactory: redactingChildLoggerFactory,
  } as const;
  const app: FastifyInstance =
    typeof logger === 'boolean'
      ? Fastify({ ...settings, logger })
      : Fastify({ ...settings, loggerInstance: logger });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.addHook('onRequest', refuseTokenInUrl);
  app.addHook('preValidation', refuseNul);

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'City stream analytics: cloud API',
        description:
          'Tickets of the six-step loop, incidents, events, places, statistics; Open311 GeoReport v2.',
        version: '1',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  app.setErrorHandler(async (thrown, request, reply) => {
    const error = asInputError(thrown) as typeof thrown;
    if (hasZodFastifySchemaValidationErrors(error)) {
      const issues = error.validation.map((v) => ({
        where: error.validationContext,
        path: v.instancePath,
        message: v.message,
      }));
      const first = issues[0];
      return reply
        .code(400)
        .send(
          apiError(
            'VALIDATION_FAILED',
            `${first?.where ?? 'request'}${first?.path ?? ''}: ${first?.message ?? 'invalid'}`,
            { issues },
          ),
        );
    }
    if (error instanceof CloudError) {
      const status = statusOf(error);
      if (status >= 500) request.log.error({ err: error }, 'request failed');
      if (error.code === 'INPUT_UNSTORABLE') request.log.warn({ err: thrown }, 'request data refused');
      return reply.code(status).send(apiError(error.code, error.message, error.details));
    }
    const status = (error as { statusCode?: number }).statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return reply.code(status).send(apiError('VALIDATION_FAILED', (error as Error).message));
    }
    request.log.error({ err: error }, 'request failed');
    return reply.code(500).send(apiError('INTERNAL', 'the server failed; the details are in its log'));
  });
  app.setNotFoundHandler(async (request, reply) =>
    reply.code(404).send(apiError('ROUTE_NOT_FOUND', `no route ${request.method} ${request.url}; see /docs`)),
  );

  app.get('/health', { schema: { hide: true } }, async () => {
    const dropped = options.brokerDroppedMessages?.();
    return { status: 'ok', ...(dropped !== undefined ? { broker: { droppedMessages: dropped } } : {}) };
  });
  const deps = { core, auth };
  await app.register(metricsRoutes, { ...deps, consumerLag: options.consumerLag });
  await app.register(ticketRoutes, { prefix: API_PREFIX, ...deps });
  await app.register(observationRoutes, { prefix: API_PREFIX, ...deps });
  await app.register(placeRoutes, { prefix: API_PREFIX, ...deps });
  await app.register(permitRoutes, { prefix: API_PREFIX, ...deps });
  await app.register(statisticsRoutes, { prefix: API_PREFIX, ...deps });
  await app.register(liveRoutes, { prefix: API_PREFIX, ...deps });
  await app.register(vocabularyRoutes, { prefix: API_PREFIX, ...deps });
  await app.register(labelRoutes, { prefix: API_PREFIX, ...deps });
  await app.register(suppressionRoutes, { prefix: API_PREFIX, ...deps });
  await app.register(cameraHealthRoutes, { prefix: API_PREFIX, ...deps });
  await app.register(fleetRoutes, { prefix: API_PREFIX, ...deps });
  await app.register(modelRoutes, { prefix: API_PREFIX, ...deps });
  await app.register(registerOpen311Routes, { prefix: '/open311/v2', ...deps });
  if (options.evidence) {
    await registerEvidenceRoutes(app, {
      store: options.evidence,
      authorizeUpload: auth.requireEdge(),
      authorizeRead: auth.requireUser(),
      maxUploadBytes: core.config.evidence.maxUploadBytes,
      incompleteUploadHours: core.config.evidence.incompleteUploadHours,
    });
  }
  if (options.ui) await app.register(uiPlugin, { auth, edgeApiUrls: options.ui.edgeApiUrls });
  return app;
}
