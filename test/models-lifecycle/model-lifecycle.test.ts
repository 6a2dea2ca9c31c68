import { readdir, readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModelManifest } from '../../edge/detect/model-manifest.ts';
import { resolveModelRef } from '../../edge/models-sync/model-cache.ts';
import { type CloudLink, fetchAssignments, fetchModels } from '../../edge/models-sync/model-fetcher.ts';
import { backendNamed } from '../cloud/support/databases.ts';
import { openServer } from '../cloud/support/server.ts';
import { useTempDir } from '../support/temp-dir.ts';
import { muckClassifier, sha256, upload } from './model-store.ts';

const CAMERA = { edgeId: 'lingnan-hub', cameraId: 'ln-market' };

describe('versioned models: cloud store, edge fetch, assignments', () => {
  let s: Awaited<ReturnType<typeof openServer>>;
  let link: CloudLink;
  const dataDir = useTempDir('models-lifecycle-');
  let v1: Awaited<ReturnType<typeof muckClassifier>>;
  let v2: Awaited<ReturnType<typeof muckClassifier>>;

  const post = (url: string, user: string, payload: unknown, method: 'POST' | 'PUT' = 'POST') =>
    s.app.inject({
      method,
      url: `/api/v1/models/muck-cover-cls/${url}`,
      headers: s.as(user),
      payload: payload as object,
    });

  beforeAll(async () => {
    s = await openServer(backendNamed('pglite'));
    await s.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = s.app.server.address() as AddressInfo;
    link = {
      edgeId: 'lingnan-hub',
      uploadUrl: `http://127.0.0.1:${port}/api/v1/evidence`,
      token: 'lingnan-hub-token',
    };
    v1 = await muckClassifier('1');
    v2 = await muckClassifier('2');
  });
  afterAll(() => s.dispose());

  it('refuses a corrupt file, an invalid manifest and a manifest before its file, naming what is wrong', async () => {
    const corrupt = await s.app.inject({
      method: 'PUT',
      url: `/api/v1/model-files/${v1.fileSha256}`,
      headers: { ...s.as('admin'), 'content-type': 'application/octet-stream' },
      payload: Buffer.concat([v1.file, Buffer.from([0])]),
    });
    expect(corrupt.statusCode).toBe(422);
    expect(corrupt.json().error).toMatchObject({ code: 'MODEL_FILE_HASH_MISMATCH', expected: v1.fileSha256 });

    const first = await upload(s.app, s.as('admin'), v1);
    expect(first.statusCode, first.body).toBe(200);
    const invalid = await s.app.inject({
      method: 'PUT',
      url: '/api/v1/models/muck-cover-cls/9',
      headers: { ...s.as('admin'), 'content-type': 'application/json' },
      payload: Buffer.from(JSON.stringify({ ...v1.manifest, version: '9', labels: undefined })),
    });
    expect(invalid.statusCode).toBe(422);
    expect(invalid.json().error.code).toBe('MODEL_MANIFEST_INVALID');
    expect(invalid.json().error.message).toContain('labels');

    const noFile = await s.app.inject({
      method: 'PUT',
      url: '/api/v1/models/muck-cover-cls/3',
      headers: { ...s.as('admin'), 'content-type': 'application/json' },
      payload: Buffer.from(JSON.stringify({ ...v1.manifest, version: '3', sha256: 'a'.repeat(64) })),
    });
    expect(noFile.statusCode).toBe(409);
    expect(noFile.json().error).toMatchObject({ code: 'MODEL_FILE_NOT_UPLOADED', sha256: 'a'.repeat(64) });
  });

  it('lists uploaded versions to any user, with who uploaded them; only supervisors and admins upload', async () => {
    const byOperator = await s.app.inject({
      method: 'PUT',
      url: `/api/v1/model-files/${v2.fileSha256}`,
      headers: { ...s.as('operator'), 'content-type': 'application/octet-stream' },
      payload: v2.file,
    });
    expect(byOperator.statusCode).toBe(403);
    const stored = await upload(s.app, s.as('supervisor'), v2);
    expect(stored.statusCode, stored.body).toBe(200);
    const list = await s.app.inject({ url: '/api/v1/models', headers: s.as('operator') });
    expect(list.statusCode).toBe(200);
    const models = list.json().models as { version: string; uploadedBy: string; manifestSha256: string }[];
    expect(models.map((m) => [m.version, m.uploadedBy, m.manifestSha256])).toEqual([
      ['1', 'admin', v1.manifestSha256],
      ['2', 'supervisor', v2.manifestSha256],
    ]);
    const changed = await s.app.inject({
      method: 'PUT',
      url: '/api/v1/models/muck-cover-cls/2',
      headers: { ...s.as('admin'), 'content-type': 'application/json' },
      payload: Buffer.from(
        JSON.stringify({ ...v2.manifest, provenance: { ...(v2.manifest.provenance as object), notes: 'x' } }),
      ),
    });
    expect(changed.json().error.code).toBe('MODEL_VERSION_EXISTS');
  });

  it('an edge fetches its assigned model over HTTP, verifies it, and can load it by cloud:NAME@VERSION', async () => {
    const assigned = await post('1/assignments', 'admin', { cameras: [CAMERA], mode: 'active' }, 'PUT');
    expect(assigned.statusCode, assigned.body).toBe(200);
    await expect(resolveModelRef('cloud:muck-cover-cls@1', dataDir())).rejects.toThrow(
      /MODEL_NOT_CACHED|not in the model cache/,
    );
    const { assignments } = await fetchAssignments(link);
    expect(assignments).toEqual([
      {
        name: 'muck-cover-cls',
        version: '1',
        manifestSha256: v1.manifestSha256,
        fileSha256: v1.fileSha256,
        cameraId: 'ln-market',
        mode: 'active',
      },
    ]);
    const outcomes = await fetchModels(link, dataDir(), assignments);
    expect(outcomes.map((o) => o.ok)).toEqual([true]);
    const manifestPath = await resolveModelRef('cloud:muck-cover-cls@1', dataDir());
    const loaded = await loadModelManifest(manifestPath);
    expect(loaded.manifest).toMatchObject({ name: 'muck-cover-cls', version: '1', sha256: v1.fileSha256 });
    expect(sha256(await readFile(loaded.modelPath))).toBe(v1.fileSha256);
    // Nothing more to fetch once cached.
    expect(await fetchModels(link, dataDir(), assignments)).toEqual([]);
    // Another edge's token reads none of it.
    const other = await fetch(link.uploadUrl.replace('/evidence', '/edges/lingnan-hub/models'), {
      headers: { authorization: 'Bearer renmin-hub-token' },
    });
    expect(other.status).toBe(403);
  });

  it('refuses a file tampered with on the server, and a manifest naming another file; the cached version stays', async () => {
    const shadow = await post('2/assignments', 'admin', { cameras: [CAMERA], mode: 'shadow' }, 'PUT');
    expect(shadow.statusCode, shadow.body).toBe(200);
    const good = await s.db.query<{ bytes: Uint8Array }>('SELECT bytes FROM model_files WHERE sha256 = $1', [
      v2.fileSha256,
    ]);
    const tampered = Buffer.from(good[0]?.bytes as Uint8Array);
    tampered.writeUInt8(tampered.readUInt8(tampered.length - 1) ^ 0xff, tampered.length - 1);
    await s.db.query('UPDATE model_files SET bytes = $1 WHERE sha256 = $2', [tampered, v2.fileSha256]);

    const { assignments } = await fetchAssignments(link);
    const outcomes = await fetchModels(link, dataDir(), assignments);
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0]).toMatchObject({
      ok: false,
      code: 'MODEL_DOWNLOAD_MISMATCH',
      model: { version: '2' },
    });
    expect((outcomes[0] as { message: string }).message).toMatch(
      new RegExp(`hash to [0-9a-f]{64}, not ${v2.fileSha256}`),
    );
    await expect(resolveModelRef('cloud:muck-cover-cls@2', dataDir())).rejects.toThrow(
      /not in the model cache/,
    );
    expect(
      (await loadModelManifest(await resolveModelRef('cloud:muck-cover-cls@1', dataDir()))).manifest.version,
    ).toBe('1');
    // No half-written folder is left for a later start to mistake for a model.
    expect((await readdir(`${dataDir()}/models`)).sort()).toEqual([v1.manifestSha256]);

    await s.db.query('UPDATE model_files SET bytes = $1 WHERE sha256 = $2', [
      Buffer.from(good[0]?.bytes as Uint8Array),
      v2.fileSha256,
    ]);
    const wrongFile = assignments.map((a) => ({ ...a, fileSha256: 'b'.repeat(64) }));
    const [refused] = await fetchModels(link, dataDir(), wrongFile);
    expect(refused).toMatchObject({ ok: false, code: 'MODEL_DOWNLOAD_MISMATCH' });
    expect((refused as { message: string }).message).toContain(
      `the manifest names model file ${v2.fileSha256}`,
    );
    expect((await fetchModels(link, dataDir(), assignments)).map((o) => o.ok)).toEqual([true]);
  });

  it('records shadow → promote → rollback per camera with who did it, and refuses what cannot be done', async () => {
    const before = await s.app.inject({ url: '/api/v1/models/muck-cover-cls/2', headers: s.as('operator') });
    expect(before.json().assignments).toMatchObject([{ ...CAMERA, mode: 'shadow', version: '2' }]);

    expect((await post('1/promote', 'admin', {})).json().error.code).toBe('MODEL_NOT_ASSIGNED');
    expect((await post('2/promote', 'operator', {})).statusCode).toBe(403);
    const promoted = await post('2/promote', 'supervisor', {});
    expect(promoted.statusCode, promoted.body).toBe(200);
    expect(promoted.json().changes).toMatchObject([
      { action: 'promote', version: '2', replacedVersion: '1', by: 'supervisor' },
    ]);
    expect(promoted.json().assignments).toMatchObject([{ ...CAMERA, mode: 'active', version: '2' }]);
    expect((await fetchAssignments(link)).assignments).toMatchObject([{ version: '2', mode: 'active' }]);

    const rolledBack = await post('2/rollback', 'admin', { cameras: [CAMERA] });
    expect(rolledBack.statusCode, rolledBack.body).toBe(200);
    expect(rolledBack.json().assignments).toMatchObject([{ ...CAMERA, mode: 'active', version: '1' }]);
    const noPrevious = await post('1/rollback', 'admin', {});
    expect(noPrevious.statusCode).toBe(409);
    expect(noPrevious.json().error.code).toBe('MODEL_NO_PREVIOUS_ACTIVE');

    const history = (
      await s.app.inject({ url: '/api/v1/models/muck-cover-cls/1', headers: s.as('operator') })
    ).json().history;
    expect(
      history.map((h: Record<string, unknown>) => [h.action, h.version, h.mode, h.replacedVersion, h.by]),
    ).toEqual([
      ['assign', '1', 'active', null, 'admin'],
      ['assign', '2', 'shadow', null, 'admin'],
      ['promote', '2', 'active', '1', 'supervisor'],
      ['rollback', '1', 'active', '2', 'admin'],
    ]);
  });
});
