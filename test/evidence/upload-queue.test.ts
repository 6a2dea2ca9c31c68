import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DiskEvidenceStore } from '../../cloud/evidence/evidence-store.ts';
import { registerEvidenceRoutes } from '../../cloud/http/evidence-routes.ts';
import { EvidenceFiles } from '../../edge/evidence/evidence-files.ts';
import { UploadQueue } from '../../edge/evidence/upload-queue.ts';
import { evidencePath, UPLOAD_CHUNK_CONTENT_TYPE } from '../../foundation/contract/evidence-upload.ts';

const TOKEN = 'edge-hub-7-secret';
const CLIP = path.resolve('fixtures/video/vtest-muck-synthetic.mp4');
const CHUNK = 256 * 1024;

let work: string;
let cloud: FastifyInstance | undefined;
let queue: UploadQueue | undefined;

beforeEach(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'upload-queue-'));
});

afterEach(async () => {
  await queue?.close();
  await cloud?.close();
  queue = undefined;
  cloud = undefined;
  await rm(work, { recursive: true, force: true });
});

/** The cloud's real evidence endpoint on a real port, with the edge token checked. */
async function startCloud(port = 0): Promise<{ url: string; port: number }> {
  const app = Fastify({ forceCloseConnections: true });
  const store = await DiskEvidenceStore.open(path.join(work, 'cloud'));
  await registerEvidenceRoutes(app, {
    store,
    authorizeUpload: async (request, reply) => {
      if (request.headers.authorization !== `Bearer ${TOKEN}`)
        await reply.code(401).send({ message: 'bad edge token' });
    },
    authorizeRead: async () => {},
  });
  await app.listen({ host: '127.0.0.1', port });
  cloud = app;
  const address = app.server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${address.port}`, port: address.port };
}

async function openQueue(url: string, token = TOKEN): Promise<{ queue: UploadQueue; errors: string[] }> {
  const errors: string[] = [];
  const opened = await UploadQueue.open(path.join(work, 'queue'), {
    url,
    token,
    chunkBytes: CHUNK,
    backoffInitialSeconds: 0.05,
    backoffMaxSeconds: 0.2,
    onError: (message) => errors.push(message),
  });
  queue = opened;
  return { queue: opened, errors };
}

async function download(url: string, sha256: string): Promise<Buffer> {
  const response = await fetch(`${url}${evidencePath(sha256)}`);
  expect(response.status).toBe(200);
  return Buffer.from(await response.arrayBuffer());
}

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('evidence upload queue against the cloud evidence endpoint', () => {
  it('delivers a clip in chunks and the cloud serves exactly its bytes under its hash', async () => {
    const { url } = await startCloud();
    const files = await EvidenceFiles.open(path.join(work, 'evidence'));
    const clipBytes = await readFile(CLIP);
    const clip = await files.putBytes(clipBytes, 'video/mp4');
    expect(clip.size).toBeGreaterThan(3 * CHUNK);

    const { queue } = await openQueue(url);
    await queue.enqueue(clip);
    await queue.drained(10_000);

    const served = await download(url, clip.sha256);
    expect(sha(served)).toBe(clip.sha256);
    expect(queue.stats()).toMatchObject({ pending: 0, uploaded: 1, uploadedBytes: clipBytes.length });
  });

  it('keeps retrying while the cloud is unreachable and delivers once it is up, snapshots first', async () => {
    // Find a free port, then leave it closed so the first attempts are refused.
    const probe = await startCloud();
    await cloud?.close();
    cloud = undefined;

    const files = await EvidenceFiles.open(path.join(work, 'evidence'));
    const clip = await files.putBytes(await readFile(CLIP), 'video/mp4');
    const snapshot = await files.putBytes(await readFile('fixtures/frames/vtest-0000.jpg'), 'image/jpeg');
    const delivered: string[] = [];
    const { queue, errors } = await openQueue(probe.url);
    await queue.enqueue(clip);
    await queue.enqueue(snapshot);
    await expect.poll(() => errors.length, { timeout: 5000 }).toBeGreaterThanOrEqual(2);
    expect(errors[0]).toMatch(/ECONNREFUSED/);
    expect(queue.stats().pending).toBe(2);

    await startCloud(probe.port);
    const originalUploaded = queue.stats().uploaded;
    expect(originalUploaded).toBe(0);
    await queue.drained(10_000);
    for (const file of [snapshot, clip]) {
      delivered.push(sha(await download(probe.url, file.sha256)));
    }
    expect(delivered).toEqual([snapshot.sha256, clip.sha256]);
  });

  it('resumes an interrupted upload from what the cloud already holds', async () => {
    const { url } = await startCloud();
    const files = await EvidenceFiles.open(path.join(work, 'evidence'));
    const bytes = await readFile(CLIP);
    const clip = await files.putBytes(bytes, 'video/mp4');
    // An earlier attempt that got two chunks across before the link dropped.
    for (const offset of [0, CHUNK]) {
      const response = await fetch(`${url}${evidencePath(clip.sha256)}`, {
        method: 'PATCH',
        headers: {
          authorization: `Bearer ${TOKEN}`,
          'content-type': UPLOAD_CHUNK_CONTENT_TYPE,
          'upload-offset': String(offset),
          'upload-length': String(bytes.length),
          'evidence-content-type': 'video/mp4',
        },
        body: bytes.subarray(offset, offset + CHUNK),
      });
      expect(response.status).toBe(204);
    }
    const head = await fetch(`${url}${evidencePath(clip.sha256)}`, {
      method: 'HEAD',
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(head.status).toBe(204);
    expect(head.headers.get('upload-offset')).toBe(String(2 * CHUNK));

    const { queue } = await openQueue(url);
    await queue.enqueue(clip);
    await queue.drained(10_000);
    expect(queue.stats().resumedBytes).toBe(2 * CHUNK);
    expect(sha(await download(url, clip.sha256))).toBe(clip.sha256);
  });

  it('survives a restart of the edge: what was queued is uploaded by the next run', async () => {
    const files = await EvidenceFiles.open(path.join(work, 'evidence'));
    const snapshot = await files.putBytes(await readFile('fixtures/frames/vtest-0033.jpg'), 'image/jpeg');
    const first = await openQueue('http://127.0.0.1:1');
    await first.queue.enqueue(snapshot);
    await first.queue.close();
    queue = undefined;

    const { url } = await startCloud();
    const { queue: second } = await openQueue(url);
    expect(second.stats().pending).toBe(1);
    await second.drained(10_000);
    expect(sha(await download(url, snapshot.sha256))).toBe(snapshot.sha256);
  });

  it('drops an upload whose local file no longer matches its hash, and the cloud keeps nothing of it', async () => {
    const { url } = await startCloud();
    const files = await EvidenceFiles.open(path.join(work, 'evidence'));
    const snapshot = await files.putBytes(await readFile('fixtures/frames/vtest-0066.jpg'), 'image/jpeg');
    await writeFile(snapshot.file, Buffer.alloc(snapshot.size, 7));

    const { queue, errors } = await openQueue(url);
    await queue.enqueue(snapshot);
    await queue.drained(10_000);
    expect(queue.stats()).toMatchObject({ pending: 0, uploaded: 0, failures: 1 });
    expect(errors[0]).toMatch(/422.*hash to [0-9a-f]{64}, not/);
    expect((await fetch(`${url}${evidencePath(snapshot.sha256)}`)).status).toBe(404);
  });

  it('reports a refused edge token and keeps the upload for later', async () => {
    const { url } = await startCloud();
    const files = await EvidenceFiles.open(path.join(work, 'evidence'));
    const snapshot = await files.putBytes(await readFile('fixtures/frames/vtest-0099.jpg'), 'image/jpeg');
    const { queue, errors } = await openQueue(url, 'wrong-token');
    await queue.enqueue(snapshot);
    await expect.poll(() => errors.length, { timeout: 5000 }).toBeGreaterThanOrEqual(1);
    expect(errors[0]).toMatch(/HEAD answered 401/);
    expect(queue.stats().pending).toBe(1);
  });

  it('refuses a chunk at the wrong offset with the offset it holds', async () => {
    const { url } = await startCloud();
    const bytes = await readFile('fixtures/frames/vtest-0132.jpg');
    const response = await fetch(`${url}${evidencePath(sha(bytes))}`, {
      method: 'PATCH',
      headers: {
        authorization: `Bearer ${TOKEN}`,
        'content-type': UPLOAD_CHUNK_CONTENT_TYPE,
        'upload-offset': '100',
        'upload-length': String(bytes.length),
        'evidence-content-type': 'image/jpeg',
      },
      body: bytes.subarray(100, 200),
    });
    expect(response.status).toBe(409);
    expect(response.headers.get('upload-offset')).toBe('0');
    expect(await response.json()).toMatchObject({ code: 'UPLOAD_OFFSET_MISMATCH' });
  });
});
