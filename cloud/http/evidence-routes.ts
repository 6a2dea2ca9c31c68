import type { FastifyInstance, FastifyReply, onRequestHookHandler } from 'fastify';
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
import { DEFAULT_INCOMPLETE_UPLOAD_HOURS, DEFAULT_MAX_UPLOAD_BYTES } from '../config/cloud-config-schema.ts';
import type { EvidenceStore } from '../evidence/evidence-store-types.ts';

export interface EvidenceRoutesOptions {
  store: EvidenceStore;
  /** Admits edges (their own tokens) to HEAD and PATCH; replies 401/403 itself when it refuses. */
  authorizeUpload: onRequestHookHandler;
  /** Admits users allowed to see evidence to GET (its token may come in the evidence cookie: <img>, <video>). */
  authorizeRead: onRequestHookHandler;
  /** The largest Upload-Length taken (413 UPLOAD_TOO_LARGE above); default 512 MiB. */
  maxUploadBytes?: number | undefined;
  /** Uploads idle this long are discarded, checked every quarter of an hour; default 24. */
  incompleteUploadHours?: number | undefined;
}

/** How often incomplete uploads are checked for expiry. */
const EXPIRY_SWEEP_MS = 15 * 60_000;

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

/**
 * The cloud side of contract/evidence-upload.ts, in its own encapsulated fastify scope. While the
 * server runs, uploads left incomplete longer than `incompleteUploadHours` are discarded.
 */
export async function registerEvidenceRoutes(
  app: FastifyInstance,
  options: EvidenceRoutesOptions,
): Promise<void> {
  const maxUploadBytes = options.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES;
  const maxIdleMs = (options.incompleteUploadHours ?? DEFAULT_INCOMPLETE_UPLOAD_HOURS) * 3_600_000;
  await app.register(
    async (scope) => {
      expireIncompleteUploads(scope, options.store, maxIdleMs);
      scope.addContentTypeParser(
        UPLOAD_CHUNK_CONTENT_TYPE,
        { parseAs: 'buffer', bodyLimit: MAX_UPLOAD_CHUNK_BYTES },
        (_request, body, done) => done(null, body),
      );

      scope.head('/:sha256', { onRequest: options.authorizeUpload }, async (request, reply) => {
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

      scope.patch('/:sha256', { onRequest: options.authorizeUpload }, async (request, reply) => {
        const params = ParamsSchema.safeParse(request.params);
        if (!params.success)
          return refuse(reply, 400, 'UPLOAD_BAD_REQUEST', `path: ${z.prettifyError(params.error)}`);
        if (!Buffer.isBuffer(request.body)) {
          return refuse(reply, 415, 'UPLOAD_BAD_REQUEST', `send the chunk as ${UPLOAD_CHUNK_CONTENT_TYPE}`);
        }
        const headers = PatchHeadersSchema.safeParse(request.headers);
        if (!headers.success) return refuse(reply, 400, 'UPLOAD_BAD_REQUEST', z.prettifyError(headers.error));
        const announced = headers.data[UPLOAD_HEADERS.length];
        if (announced > maxUploadBytes) {
          return refuse(
            reply,
            413,
            'UPLOAD_TOO_LARGE',
            `${UPLOAD_HEADERS.length} ${announced} is over this cloud's limit of ${maxUploadBytes} bytes (evidence.maxUploadBytes)`,
          );
        }
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

      scope.get(
        '/:sha256',
        { onRequest: options.authorizeRead, config: { tokenInCookie: true } },
        async (request, reply) => {
          const params = ParamsSchema.safeParse(request.params);
          if (!params.success) return reply.code(404).send();
          const file = await options.store.read(params.data.sha256);
          if (!file) return reply.code(404).send();
          return reply
            .header('content-type', file.contentType)
            .header('content-length', String(file.size))
            .header('cache-control', 'private, max-age=31536000, immutable')
            .send(file.stream);
        },
      );
    },
    { prefix: EVIDENCE_UPLOAD_PATH_PREFIX },
  );
}

/** Discards incomplete uploads idle longer than `maxIdleMs`, now and every EXPIRY_SWEEP_MS while the server runs. */
function expireIncompleteUploads(scope: FastifyInstance, store: EvidenceStore, maxIdleMs: number): void {
  let timer: NodeJS.Timeout | undefined;
  const sweep = async () => {
    try {
      // Store timestamps are the wall clock's, so the cut-off is too (not the services' clock).
      const expired = await store.expireIncomplete(new Date(Date.now() - maxIdleMs));
      if (expired.length > 0) scope.log.warn({ expired }, 'incomplete evidence uploads expired');
    } catch (error) {
      scope.log.error({ err: error }, 'expiring incomplete evidence uploads failed');
    }
  };
  scope.addHook('onReady', async () => {
    void sweep();
    timer = setInterval(() => void sweep(), EXPIRY_SWEEP_MS);
    timer.unref();
  });
  scope.addHook('onClose', async () => clearInterval(timer));
}

function refuse(reply: FastifyReply, status: number, code: UploadError['code'], message: string) {
  return reply.code(status).send({ code, message } satisfies UploadError);
}
