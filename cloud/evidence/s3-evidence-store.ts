import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { z } from 'zod';
import {
  type EvidenceContentType,
  EvidenceContentTypeSchema,
} from '../../foundation/contract/evidence-upload.ts';
import type { S3EvidenceConfig } from '../config/cloud-config-schema.ts';
import { CloudError } from '../errors.ts';
import { decideFromHeld, offsetMismatch } from './append-checks.ts';
import type { AppendRequest, AppendResult, EvidenceState, EvidenceStore } from './evidence-store-types.ts';
import { PerKeyLock } from './per-key-lock.ts';

/** S3 refuses multipart parts under 5 MiB (all but the last). */
const MIN_PART_BYTES = 5 * 1024 * 1024;
const OFFSET_DIGITS = 15;

const PartialMetaSchema = z.object({
  length: z.number().int().positive(),
  contentType: EvidenceContentTypeSchema,
});
type PartialMeta = z.infer<typeof PartialMetaSchema>;

interface Part {
  key: string;
  offset: number;
  size: number;
}

/**
 * Evidence in an S3-compatible bucket, so that cloud replicas share it:
 *
 *   <prefix>complete/<sha256>                 the verified file, with its Content-Type
 *   <prefix>partial/<sha256>/meta.json        { length, contentType } of an upload under way
 *   <prefix>partial/<sha256>/<offset, 15 digits>   each PATCH chunk as its own object
 *
 * The bytes held are the chain of parts from offset 0 (each starting where the one before ends), so
 * any replica, or this one after a restart, can answer HEAD and take the next chunk. A part left off
 * the chain (a replica's stale write) is ignored, and the sha256 check catches any other disorder.
 *
 * On the last chunk the chain is read once: hashed, and copied into a multipart upload in groups of
 * at least 5 MiB (S3's minimum part size; PATCH chunks may be smaller, so they cannot be parts
 * themselves). The upload is completed only when the hash matches, and aborted otherwise, so a file
 * that is not what its name says is never readable. Files under 5 MiB take a single PUT instead.
 * Appends are serialised per sha256 within one instance; across replicas the edge's one queue entry
 * per file keeps them apart. An upload whose newest object is older than the cut-off is expired
 * (all its objects deleted). Give the bucket a lifecycle rule that aborts incomplete multipart
 * uploads (a crash between create and complete leaves one behind).
 */
export class S3EvidenceStore implements EvidenceStore {
  readonly #s3: S3Client;
  readonly #bucket: string;
  readonly #prefix: string;
  readonly #lock = new PerKeyLock();

  private constructor(s3: S3Client, bucket: string, prefix: string) {
    this.#s3 = s3;
    this.#bucket = bucket;
    this.#prefix = prefix;
  }

  /** Connects and checks the bucket, creating it when it does not exist. */
  static async open(config: S3EvidenceConfig): Promise<S3EvidenceStore> {
    const s3 = new S3Client({
      endpoint: config.endpoint,
      region: config.region,
      forcePathStyle: config.forcePathStyle,
      credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey },
      // Checksums only where S3 demands them: older S3-compatible servers store the newer
      // aws-chunked trailer encoding as if it were the object's bytes.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    try {
      await s3.send(new HeadBucketCommand({ Bucket: config.bucket }));
    } catch (error) {
      if (!isNotFound(error)) throw unreachable(config, error);
      try {
        await s3.send(new CreateBucketCommand({ Bucket: config.bucket }));
      } catch (createError) {
        const name = (createError as { name?: string }).name;
        if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists')
          throw unreachable(config, createError);
      }
    }
    return new S3EvidenceStore(s3, config.bucket, config.prefix);
  }

  /** Closes the client's sockets. */
  close(): void {
    this.#s3.destroy();
  }

  async state(sha256: string): Promise<EvidenceState> {
    const complete = await this.#completeInfo(sha256);
    if (complete) return { state: 'complete', ...complete };
    const meta = await this.#partialMeta(sha256);
    if (!meta) return { state: 'absent' };
    const chain = await this.#chain(sha256);
    return { state: 'partial', offset: chainEnd(chain), length: meta.length, contentType: meta.contentType };
  }

  append(request: AppendRequest): Promise<AppendResult> {
    return this.#lock.run(request.sha256, () => this.#append(request));
  }

  async expireIncomplete(before: Date): Promise<string[]> {
    const root = `${this.#prefix}partial/`;
    const found = new Set((await this.#list(root)).map((o) => o.key.slice(root.length).split('/')[0] ?? ''));
    const expired: string[] = [];
    for (const sha256 of found) {
      // Looked at again under the lock: a chunk may have arrived since the listing.
      const gone = await this.#lock.run(sha256, async () => {
        const objects = await this.#list(this.#partialPrefix(sha256));
        if (objects.length === 0 || objects.some((o) => o.modified >= before.getTime())) return false;
        await this.#discardPartial(sha256, objects);
        return true;
      });
      if (gone) expired.push(sha256);
    }
    return expired;
  }

  async read(sha256: string) {
    try {
      const object = await this.#s3.send(
        new GetObjectCommand({ Bucket: this.#bucket, Key: this.#completeKey(sha256) }),
      );
      return {
        stream: object.Body as Readable,
        size: object.ContentLength ?? 0,
        contentType: contentTypeOf(object.ContentType),
      };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async #append(request: AppendRequest): Promise<AppendResult> {
    const { sha256, offset, length, contentType, chunk } = request;
    const complete = await this.#completeInfo(sha256);
    const meta = complete ? undefined : await this.#partialMeta(sha256);
    const decided = decideFromHeld(request, complete, meta);
    if (decided) return decided;
    const chain = meta ? await this.#chain(sha256) : [];
    const held = chainEnd(chain);
    const mismatch = offsetMismatch(offset, held);
    if (mismatch) return mismatch;
    if (!meta) {
      await this.#put(
        this.#metaKey(sha256),
        Buffer.from(JSON.stringify({ length, contentType })),
        'application/json',
      );
    }
    const partKey = this.#partKey(sha256, offset);
    await this.#put(partKey, chunk, 'application/octet-stream');
    chain.push({ key: partKey, offset, size: chunk.length });
    const newOffset = held + chunk.length;
    if (newOffset < length) return { ok: true, offset: newOffset, complete: false };

    const assembled = await this.#assemble(sha256, chain, contentType);
    if (!assembled.ok) {
      await this.#discardPartial(sha256);
      return {
        ok: false,
        code: 'UPLOAD_HASH_MISMATCH',
        message: `the ${length} bytes received hash to ${assembled.actual}, not ${sha256}; the upload was discarded`,
      };
    }
    await this.#discardPartial(sha256);
    return { ok: true, offset: newOffset, complete: true };
  }

  /** Hashes the parts in order and writes them to the complete key only when they hash to `sha256`. */
  async #assemble(
    sha256: string,
    chain: Part[],
    contentType: EvidenceContentType,
  ): Promise<{ ok: true } | { ok: false; actual: string }> {
    const key = this.#completeKey(sha256);
    const hash = createHash('sha256');
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let uploadId: string | undefined;
    const uploaded: { ETag: string; PartNumber: number }[] = [];
    const flush = async () => {
      if (uploadId === undefined) {
        const created = await this.#s3.send(
          new CreateMultipartUploadCommand({ Bucket: this.#bucket, Key: key, ContentType: contentType }),
        );
        uploadId = created.UploadId as string;
      }
      const body = Buffer.concat(pending);
      const partNumber = uploaded.length + 1;
      const part = await this.#s3.send(
        new UploadPartCommand({
          Bucket: this.#bucket,
          Key: key,
          UploadId: uploadId,
          PartNumber: partNumber,
          Body: body,
        }),
      );
      uploaded.push({ ETag: part.ETag as string, PartNumber: partNumber });
      pending = [];
      pendingBytes = 0;
    };
    try {
      for (const part of chain) {
        const bytes = await this.#get(part.key);
        hash.update(bytes);
        pending.push(bytes);
        pendingBytes += bytes.length;
        if (pendingBytes >= MIN_PART_BYTES) await flush();
      }
      const actual = hash.digest('hex');
      if (actual !== sha256) {
        await this.#abort(key, uploadId);
        return { ok: false, actual };
      }
      if (uploadId === undefined) {
        await this.#put(key, Buffer.concat(pending), contentType);
        return { ok: true };
      }
      if (pendingBytes > 0) await flush();
      await this.#s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.#bucket,
          Key: key,
          UploadId: uploadId,
          MultipartUpload: { Parts: uploaded },
        }),
      );
      return { ok: true };
    } catch (error) {
      await this.#abort(key, uploadId);
      throw error;
    }
  }

  async #abort(key: string, uploadId: string | undefined): Promise<void> {
    if (uploadId === undefined) return;
    await this.#s3
      .send(new AbortMultipartUploadCommand({ Bucket: this.#bucket, Key: key, UploadId: uploadId }))
      .catch(() => {});
  }

  /** The parts that continue each other from offset 0, in order. */
  async #chain(sha256: string): Promise<Part[]> {
    const byOffset = new Map<number, Part>();
    for (const object of await this.#list(this.#partialPrefix(sha256))) {
      const name = object.key.slice(this.#partialPrefix(sha256).length);
      if (!new RegExp(`^[0-9]{${OFFSET_DIGITS}}$`).test(name)) continue;
      byOffset.set(Number(name), { key: object.key, offset: Number(name), size: object.size });
    }
    const chain: Part[] = [];
    let end = 0;
    for (let part = byOffset.get(0); part && part.size > 0; part = byOffset.get(end)) {
      chain.push(part);
      end += part.size;
    }
    return chain;
  }

  async #list(prefix: string): Promise<{ key: string; size: number; modified: number }[]> {
    const found: { key: string; size: number; modified: number }[] = [];
    let token: string | undefined;
    do {
      const page = await this.#s3.send(
        new ListObjectsV2Command({ Bucket: this.#bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const object of page.Contents ?? [])
        if (object.Key)
          found.push({
            key: object.Key,
            size: object.Size ?? 0,
            modified: object.LastModified?.getTime() ?? 0,
          });
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return found;
  }

  async #completeInfo(
    sha256: string,
  ): Promise<{ size: number; contentType: EvidenceContentType } | undefined> {
    try {
      const head = await this.#s3.send(
        new HeadObjectCommand({ Bucket: this.#bucket, Key: this.#completeKey(sha256) }),
      );
      return { size: head.ContentLength ?? 0, contentType: contentTypeOf(head.ContentType) };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async #partialMeta(sha256: string): Promise<PartialMeta | undefined> {
    try {
      const parsed = PartialMetaSchema.safeParse(
        JSON.parse((await this.#get(this.#metaKey(sha256))).toString('utf8')),
      );
      return parsed.success ? parsed.data : undefined;
    } catch (error) {
      if (isNotFound(error) || error instanceof SyntaxError) return undefined;
      throw error;
    }
  }

  async #discardPartial(sha256: string, objects?: readonly { key: string }[]): Promise<void> {
    for (const object of objects ?? (await this.#list(this.#partialPrefix(sha256))))
      await this.#s3.send(new DeleteObjectCommand({ Bucket: this.#bucket, Key: object.key }));
  }

  async #get(key: string): Promise<Buffer> {
    const object = await this.#s3.send(new GetObjectCommand({ Bucket: this.#bucket, Key: key }));
    return Buffer.from(
      await (object.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
    );
  }

  async #put(key: string, body: Buffer, contentType: string): Promise<void> {
    await this.#s3.send(
      new PutObjectCommand({ Bucket: this.#bucket, Key: key, Body: body, ContentType: contentType }),
    );
  }

  #completeKey(sha256: string): string {
    return `${this.#prefix}complete/${sha256}`;
  }
  #partialPrefix(sha256: string): string {
    return `${this.#prefix}partial/${sha256}/`;
  }
  #metaKey(sha256: string): string {
    return `${this.#partialPrefix(sha256)}meta.json`;
  }
  #partKey(sha256: string, offset: number): string {
    return `${this.#partialPrefix(sha256)}${String(offset).padStart(OFFSET_DIGITS, '0')}`;
  }
}

function chainEnd(chain: readonly Part[]): number {
  return chain.reduce((end, part) => end + part.size, 0);
}

function contentTypeOf(value: string | undefined): EvidenceContentType {
  const parsed = EvidenceContentTypeSchema.safeParse(value);
  return parsed.success ? parsed.data : 'image/jpeg';
}

function isNotFound(error: unknown): boolean {
  if (error instanceof S3ServiceException && error.$metadata.httpStatusCode === 404) return true;
  const name = (error as { name?: string }).name;
  return name === 'NotFound' || name === 'NoSuchKey' || name === 'NoSuchBucket';
}

function unreachable(config: S3EvidenceConfig, cause: unknown): CloudError {
  const reason = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
  return new CloudError(
    'EVIDENCE_STORE_UNREACHABLE',
    `bucket ${config.bucket} at ${config.endpoint}: ${reason}`,
    { bucket: config.bucket, endpoint: config.endpoint },
    { cause },
  );
}
