import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm, utimes } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EvidenceFiles } from '../../edge/evidence/evidence-files.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'evidence-files-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** Five 1000-byte files, the first one oldest. */
async function fiveFiles(files: EvidenceFiles) {
  const stored = [];
  for (let i = 0; i < 5; i++) {
    const file = await files.putBytes(Buffer.alloc(1000, i), 'image/jpeg');
    const time = new Date(Date.now() - (10 - i) * 60_000);
    await utimes(file.file, time, time);
    stored.push(file);
  }
  return stored;
}

describe('evidence files on the edge', () => {
  it('names a file by its sha256 and stores identical bytes once', async () => {
    const files = await EvidenceFiles.open(dir);
    const a = await files.putBytes(Buffer.from('same bytes'), 'image/jpeg');
    const b = await files.putBytes(Buffer.from('same bytes'), 'image/jpeg');
    expect(a.sha256).toBe(createHash('sha256').update('same bytes').digest('hex'));
    expect(b).toEqual(a);
    expect(await readdir(dir)).toEqual([`${a.sha256}.jpg`]);
    expect(await files.find(a.sha256)).toMatchObject({ size: 10, contentType: 'image/jpeg' });
  });

  it('keeps the folder under its limit, deleting the oldest first and pending uploads last', async () => {
    const files = await EvidenceFiles.open(dir);
    const stored = await fiveFiles(files);
    const pending = new Set([stored[0]?.sha256, stored[1]?.sha256]);
    const result = await files.prune(2500, (sha) => pending.has(sha));
    expect(result).toEqual({ deleted: 3, deletedBytes: 3000, deletedPending: 0, bytes: 2000 });
    const left = (await readdir(dir)).map((name) => name.slice(0, 64)).sort();
    expect(left).toEqual([stored[0]?.sha256, stored[1]?.sha256].sort());

    // Past the limit with only pending files left: the oldest of them goes, and is counted.
    expect(await files.prune(1500, (sha) => pending.has(sha))).toMatchObject({
      deleted: 1,
      deletedPending: 1,
    });
    expect(await files.find(stored[0]?.sha256 as string)).toBeUndefined();
  });
});
