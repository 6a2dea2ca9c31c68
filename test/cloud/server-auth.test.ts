import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiskEvidenceStore } from '../../cloud/evidence/evidence-store.ts';
import { createCloudServer } from '../../cloud/http/create-server.ts';
import { TokenAuth } from '../../cloud/http/token-auth.ts';
import { evidencePath } from '../../foundation/contract/evidence-upload.ts';
import { openCore } from './support/core.ts';
import { backends } from './support/databases.ts';
import { fixturePlaces, token } from './support/fixtures.ts';

const pglite = backends.filter((b) => b.name === 'pglite');

describe.each(pglite)('who may do what on the server ($name)', (backend) => {
  let opened: Awaited<ReturnType<typeof openCore>>;
  let app: Awaited<ReturnType<typeof createCloudServer>>;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloud-evidence-'));
  beforeAll(async () => {
    opened = await openCore(backend);
    app = await createCloudServer({
      core: opened.core,
      auth: new TokenAuth(opened.core.config.auth),
      evidence: await DiskEvidenceStore.open(dir),
    });
  });
  afterAll(async () => {
    await app.close();
    await opened.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const bearer = (name: string) => ({ authorization: `Bearer ${token(name)}` });

  it('lets edges upload evidence with their own tokens and users read it, not the other way round', async () => {
    const bytes = Buffer.from('a JPEG, pretend');
    const sha = createHash('sha256').update(bytes).digest('hex');
    const url = evidencePath(sha);
    expect((await app.inject({ method: 'HEAD', url, headers: bearer('operator') })).statusCode).toBe(401);
    expect((await app.inject({ method: 'HEAD', url, headers: bearer('lingnan-hub') })).statusCode).toBe(404);
    const upload = await app.inject({
      method: 'PATCH',
      url,
      headers: {
        ...bearer('renmin-hub'),
        'content-type': 'application/offset+octet-stream',
        'upload-offset': '0',
        'upload-length': String(bytes.length),
        'evidence-content-type': 'image/jpeg',
      },
      payload: bytes,
    });
    expect(upload.statusCode).toBe(200);
    expect((await app.inject({ url, headers: bearer('renmin-hub') })).statusCode).toBe(401);
    const read = await app.inject({ url, headers: bearer('handler') });
    expect(read.statusCode).toBe(200);
    expect(read.rawPayload).toEqual(bytes);
  });

  it('keeps dead letters to supervisors and admins', async () => {
    expect(
      (await app.inject({ url: '/api/v1/dead-letters', headers: bearer('operator') })).json().error.code,
    ).toBe('FORBIDDEN');
    expect(
      (await app.inject({ url: '/api/v1/dead-letters', headers: bearer('supervisor') })).statusCode,
    ).toBe(200);
  });

  it('counts what ingest took and refused', async () => {
    await opened.core.processor.process('edges/lingnan-hub/events/parking', Buffer.from('{'));
    const res = (await app.inject({ url: '/api/v1/ingest', headers: bearer('operator') })).json();
    expect(res.instance).toMatchObject({ deadLetters: 1, events: 0 });
    expect(res.stored.deadLettersByCode).toEqual({ PAYLOAD_NOT_JSON: 1 });
  });

  it('lets an admin add and remove cameras, kept in the database and placed at once', async () => {
    const url = '/api/v1/cameras/renmin-hub/rm-new';
    const body = { name: 'New pole at the school', lat: 23.131, lon: 113.249 };
    expect(
      (await app.inject({ method: 'PUT', url, headers: bearer('operator'), payload: body })).statusCode,
    ).toBe(403);
    const added = await app.inject({ method: 'PUT', url, headers: bearer('admin'), payload: body });
    expect(added.json()).toMatchObject({
      id: 'rm-new',
      edgeId: 'renmin-hub',
      placement: { gridId: 'rm-north-g1' },
    });
    const bad = await app.inject({
      method: 'PUT',
      url,
      headers: bearer('admin'),
      payload: { ...body, lat: 91 },
    });
    expect(bad.statusCode).toBe(400);
    const edits = await opened.core.store.cameras.list();
    expect(edits).toEqual([
      { edgeId: 'renmin-hub', cameraId: 'rm-new', camera: expect.objectContaining({ lat: 23.131 }) },
    ]);
    // A registry loaded from the files again (a restart) gets it back from the database.
    const fresh = await fixturePlaces();
    fresh.applyCameraEdits(edits);
    expect(fresh.camera('renmin-hub', 'rm-new')?.name).toBe('New pole at the school');
    expect((await app.inject({ method: 'DELETE', url, headers: bearer('admin') })).statusCode).toBe(204);
    expect((await app.inject({ url, headers: bearer('admin') })).statusCode).toBe(404);
    fresh.applyCameraEdits(await opened.core.store.cameras.list());
    expect(fresh.camera('renmin-hub', 'rm-new')).toBeUndefined();
  });

  it('answers an unknown route with its code', async () => {
    const res = await app.inject({ url: '/api/v1/nothing' });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('ROUTE_NOT_FOUND');
  });
});
