import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { S3EvidenceConfigSchema } from '../../cloud/config/cloud-config-schema.ts';
import { DiskEvidenceStore } from '../../cloud/evidence/evidence-store.ts';
import type { EvidenceStore } from '../../cloud/evidence/evidence-store-types.ts';
import { S3EvidenceStore } from '../../cloud/evidence/s3-evidence-store.ts';
import { startS3rver } from './support/s3rver.ts';

/**
 * The behaviour every EvidenceStore keeps, run on each implementation: the disk store on a temp
 * folder, the S3 store against s3rver (a real S3-protocol server on a temp folder).
 */

interface Harness {
  name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** A fresh place (folder, or bucket prefix); each call of the opener is a new instance on it. */
  place(): Promise<() => Promise<EvidenceStore>>;
}

const opened: { close?(): void }[] = [];
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const store of opened.splice(0)) store.close?.();
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

const disk: Harness = {
  name: 'DiskEvidenceStore',
  async start() {},
  async stop() {},
  async place() {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'evidence-disk-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    return () => DiskEvidenceStore.open(dir);
  },
};

let s3rver: Awaited<ReturnType<typeof startS3rver>> | undefined;
let s3Dir = '';
let s3Endpoint = '';
let placeCount = 0;
const s3: Harness = {
  name: 'S3EvidenceStore',
  async start() {
    s3Dir = await mkdtemp(path.join(os.tmpdir(), 'evidence-s3rver-'));
    s3rver = await startS3rver(s3Dir);
    s3Endpoint = s3rver.endpoint;
  },
  async stop() {
    await s3rver?.close();
    await rm(s3Dir, { recursive: true, force: true });
  },
  async place() {
    placeCount += 1;
    // The store creates the bucket on first open; later places share it under their own prefix.
    const config = S3EvidenceConfigSchema.parse({
      endpoint: s3Endpoint,
      bucket: 'evidence-test',
      prefix: `run-${placeCount}/`,
      accessKeyId: 'S3RVER',
      secretAccessKey: 'S3RVER',
    });
    return async () => {
      const store = await S3EvidenceStore.open(config);
      opened.push(store);
      return store;
    };
  },
};

function file(size: number): { bytes: Buffer; sha256: string } {
  const bytes = randomBytes(size);
  return { bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

/** Appends `bytes` in chunks of `chunkBytes`, expecting every one to be taken. */
async function upload(store: EvidenceStore, f: { bytes: Buffer; sha256: string }, chunkBytes: number) {
  for (let offset = 0; offset < f.bytes.length; offset += chunkBytes) {
    const chunk = f.bytes.subarray(offset, offset + chunkBytes);
    const result = await store.append({
      sha256: f.sha256,
      offset,
      length: f.bytes.length,
      contentType: 'video/mp4',
      chunk,
    });
    expect(result).toEqual({
      ok: true,
      offset: offset + chunk.length,
      complete: offset + chunk.length === f.bytes.length,
    });
  }
}

describe.each([disk, s3])('$name conformance', (harness) => {
  beforeAll(() => harness.start(), 30_000);
  afterAll(() => harness.stop());

  it('goes absent → partial (the offset growing) → complete after the last chunk, and reads back exactly', async () => {
    const store = await (await harness.place())();
    const f = file(10_000);
    expect(await store.state(f.sha256)).toEqual({ state: 'absent' });

    const first = await store.append({
      sha256: f.sha256,
      offset: 0,
      length: f.bytes.length,
      contentType: 'image/jpeg',
      chunk: f.bytes.subarray(0, 4000),
    });
    expect(first).toEqual({ ok: true, offset: 4000, complete: false });
    expect(await store.state(f.sha256)).toEqual({
      state: 'partial',
      offset: 4000,
      length: 10_000,
      contentType: 'image/jpeg',
    });
    expect(await store.read(f.sha256)).toBeUndefined();

    const second = await store.append({
      sha256: f.sha256,
      offset: 4000,
      length: f.bytes.length,
      contentType: 'image/jpeg',
      chunk: f.bytes.subarray(4000, 8000),
    });
    expect(second).toEqual({ ok: true, offset: 8000, complete: false });
    expect(await store.state(f.sha256)).toMatchObject({ state: 'partial', offset: 8000 });

    const last = await store.append({
      sha256: f.sha256,
      offset: 8000,
      length: f.bytes.length,
      contentType: 'image/jpeg',
      chunk: f.bytes.subarray(8000),
    });
    expect(last).toEqual({ ok: true, offset: 10_000, complete: true });
    expect(await store.state(f.sha256)).toEqual({
      state: 'complete',
      size: 10_000,
      contentType: 'image/jpeg',
    });

    const read = await store.read(f.sha256);
    expect(read?.size).toBe(10_000);
    expect(read?.contentType).toBe('image/jpeg');
    expect((await readAll(read?.stream as Readable)).equals(f.bytes)).toBe(true);
  });

  it('refuses a chunk at the wrong offset with UPLOAD_OFFSET_MISMATCH and the offset it holds', async () => {
    const store = await (await harness.place())();
    const f = file(3000);
    await store.append({
      sha256: f.sha256,
      offset: 0,
      length: 3000,
      contentType: 'video/mp4',
      chunk: f.bytes.subarray(0, 1000),
    });
    for (const offset of [0, 500, 2000]) {
      const result = await store.append({
        sha256: f.sha256,
        offset,
        length: 3000,
        contentType: 'video/mp4',
        chunk: f.bytes.subarray(offset, offset + 1000),
      });
      expect(result).toMatchObject({ ok: false, code: 'UPLOAD_OFFSET_MISMATCH', offset: 1000 });
    }
    expect(await store.state(f.sha256)).toMatchObject({ state: 'partial', offset: 1000 });
  });

  it('discards bytes that do not hash to the name with UPLOAD_HASH_MISMATCH, leaving nothing readable', async () => {
    const store = await (await harness.place())();
    const f = file(2000);
    const wrong = Buffer.from(f.bytes);
    wrong[1500] = (wrong[1500] as number) ^ 0xff;
    await store.append({
      sha256: f.sha256,
      offset: 0,
      length: 2000,
      contentType: 'video/mp4',
      chunk: wrong.subarray(0, 1000),
    });
    const result = await store.append({
      sha256: f.sha256,
      offset: 1000,
      length: 2000,
      contentType: 'video/mp4',
      chunk: wrong.subarray(1000),
    });
    expect(result).toMatchObject({ ok: false, code: 'UPLOAD_HASH_MISMATCH' });
    expect(await store.state(f.sha256)).toEqual({ state: 'absent' });
    expect(await store.read(f.sha256)).toBeUndefined();

    // The right bytes may then be uploaded from the start.
    await upload(store, f, 1000);
    expect(await store.state(f.sha256)).toMatchObject({ state: 'complete', size: 2000 });
  });

  it('answers a retry of the final chunk after completion with success', async () => {
    const store = await (await harness.place())();
    const f = file(1500);
    await upload(store, f, 1000);
    const retry = await store.append({
      sha256: f.sha256,
      offset: 1000,
      length: 1500,
      contentType: 'video/mp4',
      chunk: f.bytes.subarray(1000),
    });
    expect(retry).toEqual({ ok: true, offset: 1500, complete: true });
    const read = await store.read(f.sha256);
    expect((await readAll(read?.stream as Readable)).equals(f.bytes)).toBe(true);
  });

  it('refuses a chunk that runs past the length, or a length that differs from the upload begun', async () => {
    const store = await (await harness.place())();
    const f = file(1000);
    const past = await store.append({
      sha256: f.sha256,
      offset: 0,
      length: 500,
      contentType: 'video/mp4',
      chunk: f.bytes,
    });
    expect(past).toMatchObject({ ok: false, code: 'UPLOAD_BAD_REQUEST' });
    await store.append({
      sha256: f.sha256,
      offset: 0,
      length: 1000,
      contentType: 'video/mp4',
      chunk: f.bytes.subarray(0, 400),
    });
    const other = await store.append({
      sha256: f.sha256,
      offset: 400,
      length: 2000,
      contentType: 'video/mp4',
      chunk: f.bytes.subarray(400),
    });
    expect(other).toMatchObject({ ok: false, code: 'UPLOAD_BAD_REQUEST' });
    expect(await store.state(f.sha256)).toMatchObject({ state: 'partial', offset: 400, length: 1000 });
  });

  it('takes one of two concurrent chunks at the same offset and refuses the other', async () => {
    const store = await (await harness.place())();
    const f = file(2000);
    const request = {
      sha256: f.sha256,
      offset: 0,
      length: 2000,
      contentType: 'video/mp4' as const,
      chunk: f.bytes.subarray(0, 1000),
    };
    const results = await Promise.all([store.append(request), store.append(request)]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok)).toMatchObject([{ code: 'UPLOAD_OFFSET_MISMATCH', offset: 1000 }]);
    expect(await store.state(f.sha256)).toMatchObject({ state: 'partial', offset: 1000 });
  });

  it('keeps partial and complete files across a restart (a new instance on the same place)', async () => {
    const open = await harness.place();
    const before = await open();
    const done = file(1200);
    const underWay = file(3000);
    await upload(before, done, 700);
    await before.append({
      sha256: underWay.sha256,
      offset: 0,
      length: 3000,
      contentType: 'video/mp4',
      chunk: underWay.bytes.subarray(0, 1000),
    });

    const after = await open();
    expect(await after.state(done.sha256)).toEqual({
      state: 'complete',
      size: 1200,
      contentType: 'video/mp4',
    });
    expect(await after.state(underWay.sha256)).toEqual({
      state: 'partial',
      offset: 1000,
      length: 3000,
      contentType: 'video/mp4',
    });
    const rest = await after.append({
      sha256: underWay.sha256,
      offset: 1000,
      length: 3000,
      contentType: 'video/mp4',
      chunk: underWay.bytes.subarray(1000),
    });
    expect(rest).toEqual({ ok: true, offset: 3000, complete: true });
    const read = await after.read(underWay.sha256);
    expect((await readAll(read?.stream as Readable)).equals(underWay.bytes)).toBe(true);
  });

  it('expires uploads idle since before the cut-off, keeping newer uploads and complete files', async () => {
    const store = await (await harness.place())();
    const done = file(1500);
    await upload(store, done, 1000);
    const idle = file(3000);
    const firstChunk = (f: { bytes: Buffer; sha256: string }) =>
      store.append({
        sha256: f.sha256,
        offset: 0,
        length: 3000,
        contentType: 'video/mp4',
        chunk: f.bytes.subarray(0, 1000),
      });
    await firstChunk(idle);
    // The cut-off on a whole second: S3 may give modification times to the second only.
    const cutOff = (Math.floor(Date.now() / 1000) + 1) * 1000;
    await new Promise((resolve) => setTimeout(resolve, cutOff - Date.now() + 20));
    const fresh = file(3000);
    await firstChunk(fresh);

    expect(await store.expireIncomplete(new Date(cutOff))).toEqual([idle.sha256]);
    expect(await store.state(idle.sha256)).toEqual({ state: 'absent' });
    expect(await store.state(fresh.sha256)).toMatchObject({ state: 'partial', offset: 1000 });
    expect(await store.state(done.sha256)).toMatchObject({ state: 'complete', size: 1500 });
    expect(await store.expireIncomplete(new Date(cutOff))).toEqual([]);
    // The edge, finding nothing held, uploads it again from the start.
    await upload(store, idle, 1000);
    expect(await store.state(idle.sha256)).toMatchObject({ state: 'complete', size: 3000 });
  });

  it('assembles a file larger than S3’s 5 MiB part minimum from smaller chunks', async () => {
    const store = await (await harness.place())();
    const f = file(11 * 1024 * 1024 + 123);
    await upload(store, f, 2 * 1024 * 1024);
    const read = await store.read(f.sha256);
    expect(read?.size).toBe(f.bytes.length);
    expect(
      createHash('sha256')
        .update(await readAll(read?.stream as Readable))
        .digest('hex'),
    ).toBe(f.sha256);
  }, 30_000);
});
