import type { Readable } from 'node:stream';
import type { EvidenceContentType } from '../../foundation/contract/evidence-upload.ts';
import type { CloudErrorCode } from '../errors.ts';

/** What the store holds of one file. */
export type EvidenceState =
  | { state: 'complete'; size: number; contentType: EvidenceContentType }
  | { state: 'partial'; offset: number; length: number; contentType: EvidenceContentType }
  | { state: 'absent' };

export type AppendResult =
  | { ok: true; offset: number; complete: boolean }
  | { ok: false; code: Extract<CloudErrorCode, 'UPLOAD_OFFSET_MISMATCH'>; offset: number; message: string }
  | {
      ok: false;
      code: Extract<CloudErrorCode, 'UPLOAD_HASH_MISMATCH' | 'UPLOAD_BAD_REQUEST'>;
      message: string;
    };

export interface AppendRequest {
  sha256: string;
  /** Where this chunk starts; must equal the bytes held. */
  offset: number;
  /** The whole file's size. */
  length: number;
  contentType: EvidenceContentType;
  chunk: Buffer;
}

/**
 * Content-addressed evidence: a file is stored under its sha256 and only becomes readable once all
 * its bytes have arrived and hash to that name. Implementations: DiskEvidenceStore (the default) and
 * S3EvidenceStore; test/cloud/evidence-store-conformance.test.ts is the behaviour both must keep.
 */
export interface EvidenceStore {
  state(sha256: string): Promise<EvidenceState>;
  append(request: AppendRequest): Promise<AppendResult>;
  /**
   * Discards every incomplete upload whose last chunk (or start) is older than `before`, a wall-clock
   * time (stores compare it with their files' or objects' modification times). Complete files are
   * never touched. Answers the sha256s discarded.
   */
  expireIncomplete(before: Date): Promise<string[]>;
  /** A complete file, or undefined. */
  read(
    sha256: string,
  ): Promise<{ stream: Readable; size: number; contentType: EvidenceContentType } | undefined>;
}
