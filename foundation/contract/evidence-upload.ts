import { z } from 'zod';

/**
 * The evidence upload contract between an edge's upload queue and the cloud's evidence store.
 *
 * Evidence (snapshots, clips) is content-addressed: a file's name is the sha256 of its bytes, the
 * event carries that hash and the size, and the cloud verifies both on arrival. Uploads are
 * resumable in the manner of tus (https://tus.io/protocols/resumable-upload): the edge asks how
 * much the cloud already has, then appends chunks from that offset.
 *
 *   HEAD  {path}   → 200 complete        (headers: Upload-Offset = Upload-Length = size)
 *                  → 204 partial         (headers: Upload-Offset = bytes held, Upload-Length)
 *                  → 404 nothing yet
 *   PATCH {path}   body: bytes [Upload-Offset, Upload-Offset + body length)
 *                  headers: Upload-Offset, Upload-Length (the whole file's size),
 *                           Content-Type: application/offset+octet-stream, Evidence-Content-Type
 *                  → 204 stored, Upload-Offset = new offset (200 when this chunk completed the file
 *                        and its sha256 matched)
 *                  → 409 offset ≠ bytes held (body: UploadErrorSchema, Upload-Offset = bytes held)
 *                  → 422 the completed file's sha256 or size does not match (partial discarded)
 *   GET   {path}   → the file, to authorised users only
 *
 * Edges authenticate with `Authorization: Bearer <edge token>`.
 */
export const EVIDENCE_UPLOAD_PATH_PREFIX = '/api/v1/evidence';

export const evidencePath = (sha256: string) => `${EVIDENCE_UPLOAD_PATH_PREFIX}/${sha256}`;

export const UPLOAD_HEADERS = {
  offset: 'upload-offset',
  length: 'upload-length',
  evidenceContentType: 'evidence-content-type',
} as const;

export const UPLOAD_CHUNK_CONTENT_TYPE = 'application/offset+octet-stream';

/** Largest chunk a server must accept in one PATCH. */
export const MAX_UPLOAD_CHUNK_BYTES = 8 * 1024 * 1024;

export const EvidenceContentTypeSchema = z.enum(['image/jpeg', 'video/mp4']);
export type EvidenceContentType = z.infer<typeof EvidenceContentTypeSchema>;

export const Sha256Schema = z.string().regex(/^[0-9a-f]{64}$/, 'a lower-case hex sha256');

export const UploadErrorSchema = z.object({
  code: z.enum(['UPLOAD_OFFSET_MISMATCH', 'UPLOAD_HASH_MISMATCH', 'UPLOAD_TOO_LARGE', 'UPLOAD_BAD_REQUEST']),
  message: z.string(),
});
export type UploadError = z.infer<typeof UploadErrorSchema>;
