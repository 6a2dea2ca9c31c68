import { mkdir, open, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import {
  EvidenceContentTypeSchema,
  evidencePath,
  MAX_UPLOAD_CHUNK_BYTES,
  Sha256Schema,
  UPLOAD_CHUNK_CONTENT_TYPE,
  UPLOAD_HEADERS,
} from '../../foundation/contract/evidence-upload.ts';
import type { EvidenceFile } from './evidence-files.ts';

export interface UploadQueueOptions {
  /** Cloud base URL, e.g. https://cloud.example:8443 (the contract's path is appended). */
  url: string;
  /** This edge's token for the cloud's evidence endpoint. */
  token?: string;
  /** Bytes per PATCH; default 1 MiB, at most the contract's limit. */
  chunkBytes?: number;
  /** Retry waits double from the first to the most; seconds. Defaults 1 and 60. */
  backoffInitialSeconds?: number;
  backoffMaxSeconds?: number;
  /** Per-request time limit; seconds, default 30. */
  requestTimeoutSeconds?: number;
  onError?: (message: string) => void;
  onUploaded?: (file: QueuedUpload) => void;
}

const QueuedUploadSchema = z.object({
  sha256: Sha256Schema,
  size: z.number().int().positive(),
  contentType: EvidenceContentTypeSchema,
  file: z.string().min(1),
  enqueuedAt: z.number(),
});
export type QueuedUpload = z.infer<typeof QueuedUploadSchema>;

export interface UploadQueueStats {
  pending: number;
  pendingBytes: number;
  uploaded: number;
  uploadedBytes: number;
  /** Bytes the cloud already had when an upload (re)started: what resuming saved. */
  resumedBytes: number;
  failures: number;
  lastError?: string;
}

class UploadFailure extends Error {
  constructor(
    message: string,
    readonly permanent = false,
  ) {
    super(message);
  }
}

/**
 * Delivers evidence files to the cloud, resumably (contract/evidence-upload.ts). The queue is a
 * folder of one small JSON file per upload, so it survives restarts; an entry is removed only
 * once the cloud answers that the whole file arrived and hashed to its name. Images go before
 * clips, so an operator sees a snapshot while the clip is still on its way; one upload at a time,
 * since a street hub's uplink is the bottleneck.
 */
export class UploadQueue {
  readonly #dir: string;
  readonly #options: Required<Omit<UploadQueueOptions, 'token' | 'onError' | 'onUploaded'>> &
    Pick<UploadQueueOptions, 'token' | 'onError' | 'onUploaded'>;
  readonly #pending = new Map<string, QueuedUpload>();
  readonly #stats: UploadQueueStats = {
    pending: 0,
    pendingBytes: 0,
    uploaded: 0,
    uploadedBytes: 0,
    resumedBytes: 0,
    failures: 0,
  };
  #backoffSeconds: number;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #closed = false;
  #abort = new AbortController();

  private constructor(dir: string, options: UploadQueueOptions) {
    this.#dir = dir;
    this.#options = {
      chunkBytes: Math.min(options.chunkBytes ?? 1024 * 1024, MAX_UPLOAD_CHUNK_BYTES),
      backoffInitialSeconds: 1,
      backoffMaxSeconds: 60,
      requestTimeoutSeconds: 30,
      ...options,
    };
    this.#backoffSeconds = this.#options.backoffInitialSeconds;
  }

  /** Opens the queue folder, takes up what an earlier run left, and starts uploading. */
  static async open(dir: string, options: UploadQueueOptions): Promise<UploadQueue> {
    await mkdir(dir, { recursive: true });
    const queue = new UploadQueue(dir, options);
    for (const name of await readdir(dir)) {
      if (!name.endsWith('.json')) continue;
      const parsed = QueuedUploadSchema.safeParse(
        JSON.parse(await readFile(path.join(dir, name), 'utf8').catch(() => 'null')),
      );
      if (parsed.success) queue.#pending.set(parsed.data.sha256, parsed.data);
      else {
        options.onError?.(`upload queue: ${name} is unreadable and was removed`);
        await rm(path.join(dir, name), { force: true });
      }
    }
    queue.#kick();
    return queue;
  }

  async enqueue(file: EvidenceFile): Promise<void> {
    if (this.#closed || this.#pending.has(file.sha256)) return;
    const entry: QueuedUpload = { ...file, enqueuedAt: Date.now() };
    const temporary = path.join(this.#dir, `${file.sha256}.tmp`);
    await writeFile(temporary, JSON.stringify(entry));
    await rename(temporary, this.#entryFile(file.sha256));
    this.#pending.set(file.sha256, entry);
    this.#kick();
  }

  isPending(sha256: string): boolean {
    return this.#pending.has(sha256);
  }

  stats(): UploadQueueStats {
    let pendingBytes = 0;
    for (const entry of this.#pending.values()) pendingBytes += entry.size;
    return { ...this.#stats, pending: this.#pending.size, pendingBytes };
  }

  /** Resolves once nothing is pending (for tests and orderly shutdown), or rejects at the timeout. */
  async drained(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.#pending.size > 0) {
      if (Date.now() > deadline) throw new Error(`upload queue: ${this.#pending.size} uploads still pending`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#abort.abort();
    await this.#running;
  }

  #kick(): void {
    if (this.#closed || this.#running || this.#timer) return;
    this.#running = this.#drain().finally(() => {
      this.#running = undefined;
    });
  }

  async #drain(): Promise<void> {
    for (;;) {
      const next = this.#next();
      if (!next || this.#closed) return;
      try {
        await this.#upload(next);
        this.#pending.delete(next.sha256);
        await rm(this.#entryFile(next.sha256), { force: true });
        this.#stats.uploaded += 1;
        this.#stats.uploadedBytes += next.size;
        this.#backoffSeconds = this.#options.backoffInitialSeconds;
        this.#options.onUploaded?.(next);
      } catch (error) {
        if (this.#closed) return;
        const message = `upload of ${next.sha256} (${next.contentType}, ${next.size} bytes): ${(error as Error).message}`;
        this.#stats.failures += 1;
        this.#stats.lastError = message;
        this.#options.onError?.(message);
        if (error instanceof UploadFailure && error.permanent) {
          this.#pending.delete(next.sha256);
          await rm(this.#entryFile(next.sha256), { force: true });
          continue;
        }
        this.#retryLater();
        return;
      }
    }
  }

  #retryLater(): void {
    const wait = this.#backoffSeconds;
    this.#backoffSeconds = Math.min(wait * 2, this.#options.backoffMaxSeconds);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#kick();
    }, wait * 1000);
    this.#timer.unref();
  }

  #next(): QueuedUpload | undefined {
    let best: QueuedUpload | undefined;
    for (const entry of this.#pending.values()) {
      if (
        !best ||
        rank(entry) < rank(best) ||
        (rank(entry) === rank(best) && entry.enqueuedAt < best.enqueuedAt)
      ) {
        best = entry;
      }
    }
    return best;
  }

  async #upload(entry: QueuedUpload): Promise<void> {
    const url = new URL(evidencePath(entry.sha256), this.#options.url).toString();
    const head = await this.#request(url, { method: 'HEAD' });
    if (head.status === 200) return;
    let offset = head.status === 204 ? Number(head.headers.get(UPLOAD_HEADERS.offset) ?? 0) : 0;
    if (head.status !== 204 && head.status !== 404) throw await failure('HEAD', head);
    this.#stats.resumedBytes += offset;

    const handle = await open(entry.file, 'r').catch((error: NodeJS.ErrnoException) => {
      throw new UploadFailure(`the local file is gone (${error.code ?? error.message})`, true);
    });
    try {
      const chunk = Buffer.allocUnsafe(Math.min(this.#options.chunkBytes, entry.size));
      while (offset < entry.size) {
        const { bytesRead } = await handle.read(
          chunk,
          0,
          Math.min(chunk.length, entry.size - offset),
          offset,
        );
        if (bytesRead === 0)
          throw new UploadFailure(`the local file is shorter than ${entry.size} bytes`, true);
        const response = await this.#request(url, {
          method: 'PATCH',
          headers: {
            'content-type': UPLOAD_CHUNK_CONTENT_TYPE,
            [UPLOAD_HEADERS.offset]: String(offset),
            [UPLOAD_HEADERS.length]: String(entry.size),
            [UPLOAD_HEADERS.evidenceContentType]: entry.contentType,
          },
          body: chunk.subarray(0, bytesRead),
        });
        if (response.status === 200) return;
        if (response.status === 204 || response.status === 409) {
          offset = Number(response.headers.get(UPLOAD_HEADERS.offset) ?? Number.NaN);
          if (!Number.isFinite(offset))
            throw new UploadFailure(`PATCH ${response.status} without ${UPLOAD_HEADERS.offset}`);
          continue;
        }
        // 422: the bytes did not hash to the name. The cloud discarded them; only a local file that
        // changed on disk can cause this, and re-sending it would fail the same way.
        throw await failure('PATCH', response, response.status === 422);
      }
      throw new UploadFailure('every byte was sent but the cloud did not report the file complete');
    } finally {
      await handle.close();
    }
  }

  async #request(url: string, init: RequestInit): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.#options.token) headers.set('authorization', `Bearer ${this.#options.token}`);
    const signal = AbortSignal.any([
      this.#abort.signal,
      AbortSignal.timeout(this.#options.requestTimeoutSeconds * 1000),
    ]);
    try {
      return await fetch(url, { ...init, headers, signal });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      throw new UploadFailure(`${init.method} ${url}: ${cause ?? (error as Error).message}`);
    }
  }

  #entryFile(sha256: string): string {
    return path.join(this.#dir, `${sha256}.json`);
  }
}

async function failure(method: string, response: Response, permanent = false): Promise<UploadFailure> {
  const body = await response.text().catch(() => '');
  let detail = '';
  try {
    detail = `: ${(JSON.parse(body) as { message?: string }).message ?? body}`;
  } catch {
    if (body) detail = `: ${body.slice(0, 200)}`;
  }
  return new UploadFailure(`${method} answered ${response.status}${detail}`, permanent);
}

function rank(entry: QueuedUpload): number {
  return entry.contentType === 'image/jpeg' ? 0 : 1;
}
