import type { EvidenceContentType } from '../../foundation/contract/evidence-upload.ts';
import type { AppendRequest, AppendResult } from './evidence-store-types.ts';

/**
 * What every evidence store answers from what it already holds, before writing a byte: a file
 * already verified (a retry of its last chunk after a lost answer is a success), a chunk past the
 * announced length, or an upload that began with another length or type. Undefined: go on.
 */
export function decideFromHeld(
  { sha256, offset, length, contentType, chunk }: AppendRequest,
  complete: { size: number } | undefined,
  partial: { length: number; contentType: EvidenceContentType } | undefined,
): AppendResult | undefined {
  if (complete) {
    if (complete.size === length) return { ok: true, offset: complete.size, complete: true };
    return {
      ok: false,
      code: 'UPLOAD_BAD_REQUEST',
      message: `${sha256} is stored with ${complete.size} bytes, not ${length}`,
    };
  }
  if (offset + chunk.length > length) {
    return {
      ok: false,
      code: 'UPLOAD_BAD_REQUEST',
      message: `chunk ends at byte ${offset + chunk.length}, past Upload-Length ${length}`,
    };
  }
  if (partial && (partial.length !== length || partial.contentType !== contentType)) {
    return {
      ok: false,
      code: 'UPLOAD_BAD_REQUEST',
      message: `upload of ${sha256} began as ${partial.length} bytes of ${partial.contentType}, not ${length} of ${contentType}`,
    };
  }
  return undefined;
}

/** A chunk must start where the bytes held end; the answer when it does not. */
export function offsetMismatch(offset: number, held: number): AppendResult | undefined {
  if (offset === held) return undefined;
  return {
    ok: false,
    code: 'UPLOAD_OFFSET_MISMATCH',
    offset: held,
    message: `holds ${held} bytes; chunk starts at ${offset}`,
  };
}
