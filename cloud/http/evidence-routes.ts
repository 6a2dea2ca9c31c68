import type { FastifyInstance, FastifyReply, preHandlerHookHandler } from 'fastify';
import { z } from 'zod';
import {
  EVIDENCE_UPLOAD_PATH_PREFIX,
  EvidenceContentTypeSchema,
  MAX_UPLOAD_CHUNK_BYTES,
  Sha256Schema,
  UPLOAD_CHUNK_CONTENT_TYPE,
  UPLOAD_HEADERS,
  type UploadError,
} from '../../foundation/contract/evidence-upload.ts';
import type { EvidenceStore } from '../evidence/evidence-store-types.ts';

export interface EvidenceRoutesOptions {
  store: EvidenceStore;
  /** Admits edges (their own tokens) to HEAD and PATCH; replies 401/403 itself when it refuses. */
  authorizeUpload: preHandlerHookHandler;
  /** Admits users allowed to see evidence to GET. */
  authorizeRead: preHandlerHookHandler;
}

const ParamsSchema = z.object({ sha256: Sha256Schema });

const byteCount = z
  .string()
  .regex(/^[0-9]{1,15}$/, 'a whole number of bytes')
  .transform(Number);
const PatchHeadersSchema = z.object({
  [UPLOAD_HEADERS.offset]: byteCount,
  [UPLOAD_HEADERS.length]: byteCount.refine((n) => n > 0, 'must be at least 1'),
  [UPLOAD_HEADERS.evidenceContentType]: EvidenceContentTypeSchema,
});

/** The cloud side of contract/evidence-upload.ts, in its own encapsulated fastify scope. */
export async function registerEvidenceRoutes(
  app: FastifyInstance,
  options: EvidenceRoutesOptions,
): Promise<void> {
  await app.register(
    async (scope) => {
      scope.addContentTypeParser(
        UPLOAD_CHUNK_CONTENT_TYPE,
        { parseAs: 'buffer', bodyLimit: MAX_UPLOAD_CHUNK_BYTES },
        (_request, body, done) => done(null, body),
      );

      scope.head('/:sha256', { preHandler: options.authorizeUpload }, async (request, reply) => {
        const params = ParamsSchema.safeParse(request.params);
        if (!params.success) return reply.code(400).send();
        const state = await options.store.state(params.data.sha256);
        if (state.state === 'absent') return reply.code(404).send();
        const offset = state.state === 'complete' ? state.size : state.offset;
        const length = state.state === 'complete' ? state.size : state.length;
        return reply
          .code(state.state === 'complete' ? 200 : 204)
          .header(UPLOAD_HEADERS.offset, String(offset))
          .header(UPLOAD_HEADERS.length, String(length))
          .send();
      });

      scope.patch('/:sha256', { preHandler: options.authorizeUpload }, async (request, reply) => {
        const params = ParamsSchema.safeParse(request.params);
        if (!params.success)
          return refuse(reply, 400, 'UPLOAD_BAD_REQUEST', `path: ${z.prettifyError(params.error)}`);
        if (!Buffer.isBuffer(request.body)) {
          return refuse(reply, 415, 'UPLOAD_BAD_REQUEST', `send the chunk as ${UPLOAD_CHUNK_CONTENT_TYPE}`);
        }
        const headers = PatchHeadersSchema.safeParse(request.headers);
        if (!headers.success) return refuse(reply, 400, 'UPLOAD_BAD_REQUEST', z.prettifyError(headers.error));
        const result = await options.store.append({
          sha256: params.data.sha256,
          offset: headers.data[UPLOAD_HEADERS.offset],
          length: headers.data[UPLOAD_HEADERS.length],
          contentType: headers.data[UPLOAD_HEADERS.evidenceContentType],
          chunk: request.body,
        });
        if (result.ok) {
          return reply
            .code(result.complete ? 200 : 204)
            .header(UPLOAD_HEADERS.offset, String(result.offset))
            .send();
        }
        if (result.code === 'UPLOAD_OFFSET_MISMATCH') {
          reply.header(UPLOAD_HEADERS.offset, String(result.offset));
          return refuse(reply, 409, result.code, result.message);
        }
        return refuse(reply, result.code === 'UPLOAD_HASH_MISMATCH' ? 422 : 400, result.code, result.message);
      });

      scope.get('/:sha256', { preHandler: options.authorizeRead }, async (request, reply) => {
        const params = ParamsSchema.safeParse(request.params);
        if (!params.success) return reply.code(404).send();
        const file = await options.store.read(params.data.sha256);
        if (!file) return reply.code(404).send();
        return reply
          .header('content-type', file.contentType)
          .header('content-length', String(file.size))
          .header('cache-control', 'private, max-age=31536000, immutable')
          .send(file.stream);
      });
    },
    { prefix: EVIDENCE_UPLOAD_PATH_PREFIX },
  );
}

function refuse(reply: FastifyReply, status: number, code: UploadError['code'], message: string) {
  return reply.code(status).send({ code, message } satisfies UploadError);
}
