import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  type EvidenceContentType,
  EvidenceContentTypeSchema,
} from '../../foundation/contract/evidence-upload.ts';
import { decideFromHeld, offsetMismatch } from './append-checks.ts';
import type { AppendRequest, AppendResult, EvidenceState, EvidenceStore } from './evidence-store-types.ts';
import { PerKeyLock } from './per-key-lock.ts';

interface PartialMeta {
  length: number;
  contentType: EvidenceContentType;
}

/**
 * Evidence on local disk: `complete/<sha256>` (+ `.type`) once verified, `partial/<sha256>` with a
 * `.json` sidecar while an upload is under way (its age: the newer modification time of the two).
 * Appends to one file are serialised, so two edges retrying the same upload cannot interleave
 * their bytes.
 */
export class DiskEvidenceStore implements EvidenceStore {
  readonly #completeDir: string;
  readonly #partialDir: string;
  readonly #lock = new PerKeyLock();

  private constructor(root: string) {
    this.#completeDir = path.join(root, 'complete');
    this.#partialDir = path.join(root, 'partial');
  }

  static async open(root: string): Promise<DiskEvidenceStore> {
    const store = new DiskEvidenceStore(root);
    await mkdir(store.#completeDir, { recursive: true });
    await mkdir(store.#partialDir, { recursive: true });
    return store;
  }

  async state(sha256: string): Promise<EvidenceState> {
    const complete = await this.#completeInfo(sha256);
    if (complete) return { state: 'complete', ...complete };
    const meta = await this.#partialMeta(sha256);
    if (!meta) return { state: 'absent' };
    const offset = await fileSize(this.#partialFile(sha256));
    return { state: 'partial', offset: offset ?? 0, length: meta.length, contentType: meta.contentType };
  }

  append(request: AppendRequest): Promise<AppendResult> {
    return this.#lock.run(request.sha256, () => this.#append(request));
  }

  async expireIncomplete(before: Date): Promise<string[]> {
    const names = await readdir(this.#partialDir).catch(() => [] as string[]);
    const expired: string[] = [];
    for (const name of names) {
      const sha256 = name.endsWith('.json') ? name.slice(0, -'.json'.length) : undefined;
      if (sha256 === undefined) continue;
      const gone = await this.#lock.run(sha256, async () => {
        const times = await Promise.all(
          [this.#metaFile(sha256), this.#partialFile(sha256)].map((file) =>
            stat(file).then(
              (s) => s.mtimeMs,
              () => Number.NEGATIVE_INFINITY,
            ),
          ),
        );
        const last = Math.max(...times);
        if (last === Number.NEGATIVE_INFINITY || last >= before.getTime()) return false;
        await this.#discardPartial(sha256);
        return true;
      });
      if (gone) expired.push(sha256);
    }
    return expired;
  }

  async read(sha256: string) {
    const info = await this.#completeInfo(sha256);
    if (!info) return undefined;
    return { stream: createReadStream(this.#completeFile(sha256)), ...info };
  }

  async #append(request: AppendRequest): Promise<AppendResult> {
    const { sha256, offset, length, contentType, chunk } = request;
    const complete = await this.#completeInfo(sha256);
    const meta = complete ? undefined : await this.#partialMeta(sha256);
    const decided = decideFromHeld(request, complete, meta);
    if (decided) return decided;
    const held = meta ? ((await fileSize(this.#partialFile(sha256))) ?? 0) : 0;
    const mismatch = offsetMismatch(offset, held);
    if (mismatch) return mismatch;
    if (!meta)
      await writeFile(this.#metaFile(sha256), JSON.stringify({ length, contentType } satisfies PartialMeta));

    const handle = await open(this.#partialFile(sha256), 'a');
    try {
      await handle.write(chunk);
      await handle.datasync();
    } finally {
      await handle.close();
    }
    const newOffset = held + chunk.length;
    if (newOffset < length) return { ok: true, offset: newOffset, complete: false };

    const actual = await hashFile(this.#partialFile(sha256));
    if (actual !== sha256) {
      await this.#discardPartial(sha256);
      return {
        ok: false,
        code: 'UPLOAD_HASH_MISMATCH',
        message: `the ${length} bytes received hash to ${actual}, not ${sha256}; the upload was discarded`,
      };
    }
    await writeFile(`${this.#completeFile(sha256)}.type`, contentType);
    await rename(this.#partialFile(sha256), this.#completeFile(sha256));
    await rm(this.#metaFile(sha256), { force: true });
    return { ok: true, offset: newOffset, complete: true };
  }

  async #completeInfo(
    sha256: string,
  ): Promise<{ size: number; contentType: EvidenceContentType } | undefined> {
    const size = await fileSize(this.#completeFile(sha256));
    if (size === undefined) return undefined;
    const type = EvidenceContentTypeSchema.safeParse(
      await readFile(`${this.#completeFile(sha256)}.type`, 'utf8').catch(() => ''),
    );
    return { size, contentType: type.success ? type.data : 'image/jpeg' };
  }

  async #partialMeta(sha256: string): Promise<PartialMeta | undefined> {
    try {
      return JSON.parse(await readFile(this.#metaFile(sha256), 'utf8')) as PartialMeta;
    } catch {
      return undefined;
    }
  }

  async #discardPartial(sha256: string): Promise<void> {
    await rm(this.#partialFile(sha256), { force: true });
    await rm(this.#metaFile(sha256), { force: true });
  }

  #completeFile(sha256: string): string {
    return path.join(this.#completeDir, sha256);
  }
  #partialFile(sha256: string): string {
    return path.join(this.#partialDir, sha256);
  }
  #metaFile(sha256: string): string {
    return path.join(this.#partialDir, `${sha256}.json`);
  }
}

async function fileSize(file: string): Promise<number | undefined> {
  try {
    return (await stat(file)).size;
  } catch {
    return undefined;
  }
}

async function hashFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
