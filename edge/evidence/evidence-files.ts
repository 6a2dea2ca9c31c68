import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { EvidenceContentType } from '../../foundation/contract/evidence-upload.ts';

export interface EvidenceFile {
  sha256: string;
  size: number;
  contentType: EvidenceContentType;
  /** Where the bytes are on this box. */
  file: string;
}

export interface PruneResult {
  deleted: number;
  deletedBytes: number;
  /** Of those, files whose upload had not finished (lost to the cloud). */
  deletedPending: number;
  /** Bytes held afterwards. */
  bytes: number;
}

const EXTENSIONS: Record<EvidenceContentType, string> = { 'image/jpeg': '.jpg', 'video/mp4': '.mp4' };

/**
 * The edge's evidence files, content-addressed: `<dir>/<sha256>.<ext>`. A file is written under a
 * temporary name, synced, hashed and renamed, so a crash leaves either the whole file or none.
 */
export class EvidenceFiles {
  readonly dir: string;

  private constructor(dir: string) {
    this.dir = dir;
  }

  static async open(dir: string): Promise<EvidenceFiles> {
    await mkdir(dir, { recursive: true });
    const files = new EvidenceFiles(dir);
    for (const name of await readdir(dir))
      if (name.startsWith('.tmp-')) await rm(path.join(dir, name), { force: true });
    return files;
  }

  pathOf(sha256: string, contentType: EvidenceContentType): string {
    return path.join(this.dir, `${sha256}${EXTENSIONS[contentType]}`);
  }

  async putBytes(bytes: Uint8Array, contentType: EvidenceContentType): Promise<EvidenceFile> {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const file = this.pathOf(sha256, contentType);
    if (!(await exists(file))) {
      const temporary = path.join(this.dir, `.tmp-${randomUUID()}`);
      const handle = await open(temporary, 'w');
      try {
        await handle.write(bytes);
        await handle.datasync();
      } finally {
        await handle.close();
      }
      await rename(temporary, file);
    }
    return { sha256, size: bytes.byteLength, contentType, file };
  }

  /** A name in the store's folder for a file being written (so adopting it is a rename). */
  temporaryPath(extension: string): string {
    return path.join(this.dir, `.tmp-${randomUUID()}${extension}`);
  }

  /** Moves a finished file (a clip ffmpeg wrote) into the store under its hash. */
  async adoptFile(source: string, contentType: EvidenceContentType): Promise<EvidenceFile> {
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(source)) hash.update(chunk as Buffer);
    const sha256 = hash.digest('hex');
    const file = this.pathOf(sha256, contentType);
    const { size } = await stat(source);
    await rename(source, file);
    return { sha256, size, contentType, file };
  }

  /**
   * Deletes the oldest files (by modification time) until the folder holds at most `maxBytes`.
   * Files `keep` names (uploads still pending) go last, only when nothing else is left to delete:
   * a box cut off from the cloud for weeks keeps recording new evidence rather than filling its disk.
   */
  async prune(maxBytes: number, keep: (sha256: string) => boolean = () => false): Promise<PruneResult> {
    const files: { file: string; sha256: string; size: number; mtimeMs: number }[] = [];
    for (const name of await readdir(this.dir)) {
      const match = /^([0-9a-f]{64})\.(jpg|mp4)$/.exec(name);
      if (!match) continue;
      const file = path.join(this.dir, name);
      const info = await stat(file).catch(() => undefined);
      if (info) files.push({ file, sha256: match[1] as string, size: info.size, mtimeMs: info.mtimeMs });
    }
    let total = files.reduce((sum, f) => sum + f.size, 0);
    const result: PruneResult = { deleted: 0, deletedBytes: 0, deletedPending: 0, bytes: total };
    if (total <= maxBytes) return result;
    files.sort((a, b) => Number(keep(a.sha256)) - Number(keep(b.sha256)) || a.mtimeMs - b.mtimeMs);
    for (const f of files) {
      if (total <= maxBytes) break;
      await unlink(f.file).catch(() => undefined);
      total -= f.size;
      result.deleted++;
      result.deletedBytes += f.size;
      if (keep(f.sha256)) result.deletedPending++;
    }
    result.bytes = total;
    return result;
  }

  async find(sha256: string): Promise<EvidenceFile | undefined> {
    for (const contentType of Object.keys(EXTENSIONS) as EvidenceContentType[]) {
      const file = this.pathOf(sha256, contentType);
      try {
        const { size } = await stat(file);
        return { sha256, size, contentType, file };
      } catch {
        // not this type
      }
    }
    return undefined;
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}
