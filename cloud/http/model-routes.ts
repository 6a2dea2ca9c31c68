import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { Sha256Schema } from '../../foundation/contract/evidence-upload.ts';
import {
  EdgeModelsSchema,
  ModelNameSchema,
  ModelVersionSchema as VersionStringSchema,
} from '../../foundation/models/model-distribution.ts';
import { CloudError } from '../errors.ts';
import {
  AssignBodySchema,
  AssignmentResultSchema,
  CamerasBodySchema,
  ModelComparisonSchema,
  ModelListSchema,
  ModelVersionDetailSchema,
  StoredFileSchema,
} from '../models/model-schema.ts';
import { ModelService } from '../models/model-service.ts';
import { PlaceIdSchema } from '../places/places-schema.ts';
import type { RouteDeps } from './route-deps.ts';
import { ErrorBodySchema } from './schemas.ts';

/** Largest model file taken in one PUT (held in memory while it is verified). */
const MAX_MODEL_FILE_BYTES = 256 * 1024 * 1024;
const OCTET_STREAM = 'application/octet-stream';

const VersionParamsSchema = z.object({ name: ModelNameSchema, version: VersionStringSchema });
const errors = { 401: ErrorBodySchema, 403: ErrorBodySchema };
const WRITERS = ['supervisor', 'admin'] as const;

const editor = (request: FastifyRequest) => request.user as NonNullable<FastifyRequest['user']>;

/**
 * Versioned models: files and manifests uploaded by supervisors and admins (verified on arrival),
 * listed for every user, assigned to cameras in shadow or active mode, promoted and rolled back
 * (each change logged with who made it); an edge (its own token) reads its assignments and
 * downloads the files by sha256.
 */
export async function modelRoutes(app: FastifyInstance, { core, auth }: RouteDeps) {
  const service = new ModelService(core.store, core.clock);

  // Uploads take raw bytes: a model file as application/octet-stream, a manifest as the JSON bytes
  // whose sha256 the edges verify (parsed here, after hashing).
  await app.register(async (scope) => {
    scope.addContentTypeParser(
      OCTET_STREAM,
      { parseAs: 'buffer', bodyLimit: MAX_MODEL_FILE_BYTES },
      (_r, body, done) => done(null, body),
    );
    scope.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_r, body, done) =>
      done(null, body),
    );
    const r = scope.withTypeProvider<ZodTypeProvider>();
    r.put(
      '/model-files/:sha256',
      {
        onRequest: auth.requireUser([...WRITERS]),
        bodyLimit: MAX_MODEL_FILE_BYTES,
        schema: {
          tags: ['models'],
          summary: `Upload a model file (${OCTET_STREAM}) under its sha256; refused when the bytes hash otherwise`,
          params: z.object({ sha256: Sha256Schema }),
          response: { 200: StoredFileSchema, ...errors, 422: ErrorBodySchema },
        },
      },
      async (request) =>
        service.putFile(editor(request), request.params.sha256, rawBody(request, OCTET_STREAM)),
    );
    r.put(
      '/models/:name/:version',
      {
        onRequest: auth.requireUser([...WRITERS]),
        schema: {
          tags: ['models'],
          summary:
            'Store a model version from its manifest (application/json, the manifest format); its model file must be uploaded first',
          params: VersionParamsSchema,
          response: { 200: ModelVersionDetailSchema, ...errors, 409: ErrorBodySchema, 422: ErrorBodySchema },
        },
      },
      async (request) =>
        service.putVersion(
          editor(request),
          request.params.name,
          request.params.version,
          rawBody(request, 'application/json'),
        ),
    );
  });

  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/models',
    {
      onRequest: auth.requireUser(),
      schema: {
        tags: ['models'],
        summary: 'Every model version, with the cameras running it',
        response: { 200: ModelListSchema, ...errors },
      },
    },
    async () => service.list(),
  );
  r.get(
    '/models/:name/:version',
    {
      onRequest: auth.requireUser(),
      schema: {
        tags: ['models'],
        summary: "A model version: its manifest, assignments, and the model's assignment history",
        params: VersionParamsSchema,
        response: { 200: ModelVersionDetailSchema, ...errors, 404: ErrorBodySchema },
      },
    },
    async (request) => service.get(request.params.name, request.params.version),
  );

  r.get(
    '/models/:name/:version/comparison',
    {
      onRequest: auth.requireUser(),
      schema: {
        tags: ['models'],
        summary:
          'Precision and recall of this version (run in shadow) against what the cameras ran, on the labelled snapshots (IoU 0.5)',
        params: VersionParamsSchema,
        response: { 200: ModelComparisonSchema, ...errors, 404: ErrorBodySchema },
      },
    },
    async (request) => service.comparison(request.params.name, request.params.version),
  );

  const changeResponse = {
    200: AssignmentResultSchema,
    ...errors,
    404: ErrorBodySchema,
    409: ErrorBodySchema,
  };
  r.put(
    '/models/:name/:version/assignments',
    {
      onRequest: auth.requireUser([...WRITERS]),
      schema: {
        tags: ['models'],
        summary: 'Run this version on cameras in shadow mode (logged, changes nothing) or active mode',
        params: VersionParamsSchema,
        body: AssignBodySchema,
        response: changeResponse,
      },
    },
    async ({ params, body, user }) =>
      service.assign(user as NonNullable<typeof user>, params.name, params.version, body.cameras, body.mode),
  );
  r.post(
    '/models/:name/:version/promote',
    {
      onRequest: auth.requireUser([...WRITERS]),
      schema: {
        tags: ['models'],
        summary: 'Make this shadow version active on cameras (absent: everywhere it runs in shadow)',
        params: VersionParamsSchema,
        body: CamerasBodySchema,
        response: changeResponse,
      },
    },
    async ({ params, body, user }) =>
      service.promote(user as NonNullable<typeof user>, params.name, params.version, body.cameras),
  );
  r.post(
    '/models/:name/:version/rollback',
    {
      onRequest: auth.requireUser([...WRITERS]),
      schema: {
        tags: ['models'],
        summary: 'Put back the active version this one replaced on cameras (absent: everywhere it is active)',
        params: VersionParamsSchema,
        body: CamerasBodySchema,
        response: changeResponse,
      },
    },
    async ({ params, body, user }) =>
      service.rollback(user as NonNullable<typeof user>, params.name, params.version, body.cameras),
  );

  const ownEdge = auth.requireEdge();
  const itself = (request: FastifyRequest, edgeId: string) => {
    if (request.edgeId !== edgeId) {
      throw new CloudError('FORBIDDEN', `edge ${request.edgeId} may read only its own models`, { edgeId });
    }
    return edgeId;
  };
  r.get(
    '/edges/:edgeId/models',
    {
      onRequest: ownEdge,
      schema: {
        tags: ['models'],
        summary: "The model versions assigned to an edge's cameras, with their hashes (edge token)",
        params: z.object({ edgeId: PlaceIdSchema }),
        response: { 200: EdgeModelsSchema, ...errors },
      },
    },
    async (request) => service.forEdge(itself(request, request.params.edgeId)),
  );
  r.get(
    '/edges/:edgeId/model-files/:sha256',
    {
      onRequest: ownEdge,
      schema: {
        tags: ['models'],
        summary: 'Download a model file or manifest by sha256 (edge token); the edge verifies the hash',
        params: z.object({ edgeId: PlaceIdSchema, sha256: Sha256Schema }),
      },
    },
    async (request, reply) => {
      itself(request, request.params.edgeId);
      const bytes = await service.readFile(request.params.sha256);
      return reply
        .header('content-type', OCTET_STREAM)
        .header('content-length', String(bytes.length))
        .send(bytes);
    },
  );
}

function rawBody(request: FastifyRequest, contentType: string): Buffer {
  if (Buffer.isBuffer(request.body)) return request.body;
  throw new CloudError('VALIDATION_FAILED', `send the body as ${contentType}`);
}
