import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import { MODELS_DIR } from '../../edge/detect/model-manifest.ts';

/** The muck-cover classifier (78 KB) as a model to upload: its file, and its manifest as version `version`. */
export async function muckClassifier(version: string) {
  const dir = path.join(MODELS_DIR, 'muck-cover-cls');
  const manifest = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8'));
  const file = await readFile(path.join(dir, manifest.file));
  const manifestBytes = Buffer.from(JSON.stringify({ ...manifest, version }, null, 2));
  return {
    file,
    fileSha256: sha256(file),
    manifest: { ...manifest, version } as Record<string, unknown>,
    manifestBytes,
    manifestSha256: sha256(manifestBytes),
  };
}

export const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** Uploads a model's file then its manifest as `headers`' user; answers the manifest upload's reply. */
export async function upload(
  app: FastifyInstance,
  headers: Record<string, string>,
  model: Awaited<ReturnType<typeof muckClassifier>>,
) {
  const file = await app.inject({
    method: 'PUT',
    url: `/api/v1/model-files/${model.fileSha256}`,
    headers: { ...headers, 'content-type': 'application/octet-stream' },
    payload: model.file,
  });
  expect(file.statusCode, file.body).toBe(200);
  return app.inject({
    method: 'PUT',
    url: `/api/v1/models/muck-cover-cls/${model.manifest.version}`,
    headers: { ...headers, 'content-type': 'application/json' },
    payload: model.manifestBytes,
  });
}
