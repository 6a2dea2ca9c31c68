import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CloudConfigSchema, EvidenceConfigSchema } from '../../cloud/config/cloud-config-schema.ts';
import { loadCloudConfig, resolveCloudConfig } from '../../cloud/config/load-cloud-config.ts';
import { openEvidenceStore } from '../../cloud/evidence/open-evidence-store.ts';
import { registerEvidenceRoutes } from '../../cloud/http/evidence-routes.ts';
import { EvidenceFiles } from '../../edge/evidence/evidence-files.ts';
import { UploadQueue } from '../../edge/evidence/upload-queue.ts';
import { evidencePath, UPLOAD_CHUNK_CONTENT_TYPE } from '../../foundation/contract/evidence-upload.ts';
import { startS3rver } from './support/s3rver.ts';

/** Two cloud replicas' evidence endpoints over one s3rver bucket, as in docker-compose.yml. */

const TOKEN = 'edge-token';
const CLIP = path.resolve('fixtures/video/vtest-muck-synthetic.mp4');
const CHUNK = 256 * 1024;

let s3rver: Awaited<ReturnType<typeof startS3rver>> | undefined;
let work: string;
let endpoint: string;
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'evidence-replicas-'));
  s3rver = await startS3rver(path.join(work, 's3'));
  endpoint = s3rver.endpoint;
}, 30_000);
afterAll(async () => {
  await s3rver?.close();
  await rm(work, { recursive: true, force: true });
});
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

const s3Evidence = (prefix: string) =>
  EvidenceConfigSchema.parse({
    store: 's3',
    s3: { endpoint, bucket: 'replicas', prefix, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });

async function startReplica(prefix: string): Promise<{ url: string; app: FastifyInstance }> {
  const opened = await openEvidenceStore(s3Evidence(prefix));
  expect(opened.kind).toBe('s3');
  const app = Fastify({ forceCloseConnections: true });
  await registerEvidenceRoutes(app, {
    store: opened.store,
    authorizeUpload: async (request, reply) => {
      if (request.headers.authorization !== `Bearer ${TOKEN}`) await reply.code(401).send();
    },
    authorizeRead: async () => {},
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  closers.push(
    () => opened.close(),
    () => app.close(),
  );
  return { url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, app };
}

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('the S3 evidence store behind cloud replicas', () => {
  it('resumes on one replica an upload begun on another, and both serve the file', async () => {
    const a = await startReplica('resume/');
    const b = await startReplica('resume/');
    const bytes = await readFile(CLIP);
    const hash = sha(bytes);
    // Replica A takes two chunks, then goes away.
    for (const offset of [0, CHUNK]) {
      const response = await fetch(`${a.url}${evidencePath(hash)}`, {
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
    await a.app.close();

    const head = await fetch(`${b.url}${evidencePath(hash)}`, {
      method: 'HEAD',
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(head.status).toBe(204);
    expect(head.headers.get('upload-offset')).toBe(String(2 * CHUNK));

    // The edge's own queue finishes the upload against replica B.
    const files = await EvidenceFiles.open(path.join(work, 'edge-evidence'));
    const clip = await files.putBytes(bytes, 'video/mp4');
    const queue = await UploadQueue.open(path.join(work, 'queue'), {
      url: b.url,
      token: TOKEN,
      chunkBytes: CHUNK,
      backoffInitialSeconds: 0.05,
      backoffMaxSeconds: 0.2,
      onError: () => {},
    });
    closers.push(() => queue.close());
    await queue.enqueue(clip);
    await queue.drained(20_000);
    // Replica B told the edge what replica A had already taken.
    expect(queue.stats()).toMatchObject({ uploaded: 1, resumedBytes: 2 * CHUNK });

    const c = await startReplica('resume/');
    const served = await fetch(`${c.url}${evidencePath(hash)}`);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('video/mp4');
    expect(sha(new Uint8Array(await served.arrayBuffer()))).toBe(hash);
  }, 40_000);

  it('refuses an unreachable endpoint at start with EVIDENCE_STORE_UNREACHABLE', async () => {
    const config = EvidenceConfigSchema.parse({
      store: 's3',
      s3: {
        endpoint: 'http://127.0.0.1:9',
        bucket: 'nowhere',
        accessKeyId: 'k',
        secretAccessKey: 's',
      },
    });
    await expect(openEvidenceStore(config)).rejects.toMatchObject({ code: 'EVIDENCE_STORE_UNREACHABLE' });
  });
});

describe('the evidence section of the cloud config', () => {
  it('is the disk store unless it says s3, and s3 needs its settings', async () => {
    const base = await loadCloudConfig(path.resolve('fixtures/cloud/cloud.yaml'));
    expect(base.evidence.store ?? 'disk').toBe('disk');
    const disk = await openEvidenceStore({ dir: path.join(work, 'disk') });
    expect(disk.kind).toBe('disk');

    const missing = EvidenceConfigSchema.safeParse({ store: 's3' });
    expect(missing.success).toBe(false);
    expect(JSON.stringify(missing.error?.issues)).toContain('s3');
    const misspelt = EvidenceConfigSchema.safeParse({
      store: 's3',
      s3: { endpoint, bucket: 'b', accessKeyId: 'k', secretAccessKey: 's', pathStyle: true },
    });
    expect(misspelt.success).toBe(false);
  });

  it('keeps the s3 settings when the config file is resolved, with their defaults', () => {
    const { evidence: _omit, ...rest } = CloudConfigSchema.parse({
      places: { grids: 'g.json', cameras: 'c.json' },
      routing: {
        fallback: { department: 'd', level: 1 },
        levels: Object.fromEntries(
          ['1', '2', '3', '4'].map((l) => [l, { dispatch: 1, accept: 1, handle: 1, verify: 1 }]),
        ),
      },
    });
    const config = CloudConfigSchema.parse({
      ...rest,
      evidence: {
        store: 's3',
        s3: {
          endpoint: 'http://object-store:8333',
          bucket: 'evidence',
          accessKeyId: 'k',
          secretAccessKey: 's',
        },
      },
    });
    const resolved = resolveCloudConfig(config, '/etc/city');
    expect(resolved.evidence).toMatchObject({
      store: 's3',
      s3: { bucket: 'evidence', prefix: 'evidence/', region: 'us-east-1', forcePathStyle: true },
    });
  });
});
