import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCloudServer } from '../../cloud/api/create-server.ts';
import { TokenAuth } from '../../cloud/auth/token-auth.ts';
import { DiskEvidenceStore } from '../../cloud/evidence/evidence-store.ts';
import { evidencePath } from '../../contract/evidence-upload.ts';
import { openCore } from './support/core.ts';
import { backends } from './support/databases.ts';
import { token } from './support/fixtures.ts';

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

  it('answers an unknown route with its code', async () => {
    const res = await app.inject({ url: '/api/v1/nothing' });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('ROUTE_NOT_FOUND');
  });
});
