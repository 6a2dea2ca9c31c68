// Issue 18 item 8: tokens in URLs. `?access_token=` was taken on every route, POST, PUT and DELETE
// included, and the whole URL, token and all, went to the log. Now only the live feed (EventSource
// cannot send headers) takes it; everywhere else it is a 401 TOKEN_IN_URL, evidence reaches the
// UI's <img> and <video> through a path-scoped HttpOnly cookie instead, and the real logger's
// output (captured from its destination stream) holds no token. Real cloud on PostgreSQL, over HTTP.
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiskEvidenceStore } from '../../cloud/evidence/evidence-store.ts';
import { createCloudServer } from '../../cloud/http/create-server.ts';
import { TokenAuth } from '../../cloud/http/token-auth.ts';
import { evidencePath } from '../../foundation/contract/evidence-upload.ts';
import { openCore } from '../cloud/support/core.ts';
import { backendNamed } from '../cloud/support/databases.ts';
import { token } from '../cloud/support/fixtures.ts';

const SECRETS = ['operator', 'admin', 'supervisor', 'lingnan-hub', 'citizen-app'].map(token);

describe('tokens in URLs (PostgreSQL, real HTTP, the real logger)', () => {
  let opened: Awaited<ReturnType<typeof openCore>>;
  let app: FastifyInstance;
  let base: string;
  let evidenceDir: string;
  const logged: string[] = [];
  const bytes = Buffer.from('a JPEG, pretend');
  const sha256 = createHash('sha256').update(bytes).digest('hex');

  beforeAll(async () => {
    opened = await openCore(backendNamed('postgres'));
    evidenceDir = await mkdtemp(path.join(os.tmpdir(), 'token-evidence-'));
    const logger = pino({ level: 'info' }, { write: (line: string) => void logged.push(line) });
    app = await createCloudServer({
      core: opened.core,
      auth: new TokenAuth(opened.core.config.auth),
      evidence: await DiskEvidenceStore.open(evidenceDir),
      logger,
      ui: {},
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address() as { port: number };
    base = `http://127.0.0.1:${address.port}`;
    const upload = await fetch(`${base}${evidencePath(sha256)}`, {
      method: 'PATCH',
      headers: {
        authorization: `Bearer ${token('lingnan-hub')}`,
        'content-type': 'application/offset+octet-stream',
        'upload-offset': '0',
        'upload-length': String(bytes.length),
        'evidence-content-type': 'image/jpeg',
      },
      body: bytes,
    });
    expect(upload.status).toBe(200);
  });
  afterAll(async () => {
    await app?.close();
    await opened?.dispose();
    await rm(evidenceDir, { recursive: true, force: true });
  });

  const call = async (
    method: string,
    url: string,
    init: { headers?: Record<string, string>; body?: string } = {},
  ) => {
    const response = await fetch(`${base}${url}`, {
      method,
      headers: { ...(init.body ? { 'content-type': 'application/json' } : {}), ...init.headers },
      ...(init.body ? { body: init.body } : {}),
    });
    const text = await response.text();
    return {
      status: response.status,
      code: text.startsWith('{') ? JSON.parse(text).error?.code : undefined,
      response,
    };
  };
  const inUrl = (user: string) => `access_token=${token(user)}`;

  it('takes ?access_token= on the live feed (EventSource cannot send headers)', async () => {
    const abort = new AbortController();
    const live = await fetch(`${base}/api/v1/live?${inUrl('operator')}`, { signal: abort.signal });
    expect(live.status).toBe(200);
    expect(live.headers.get('content-type')).toContain('text/event-stream');
    abort.abort();
    await live.body?.cancel().catch(() => {});
    expect((await call('GET', '/api/v1/live?access_token=wrong')).status).toBe(401);
  });

  it.each([
    ['GET', `/api/v1/tickets?${inUrl('operator')}`],
    ['GET', `/api/v1/me?${inUrl('operator')}`],
    ['POST', `/api/v1/tickets?${inUrl('operator')}`],
    ['PUT', `/api/v1/cameras/renmin-hub/rm-square?${inUrl('admin')}`],
    ['DELETE', `/api/v1/cameras/renmin-hub/rm-square?${inUrl('admin')}`],
    ['DELETE', `/api/v1/places/rm-north-g1?${inUrl('admin')}`],
    ['PATCH', `${evidencePath(sha256)}?${inUrl('lingnan-hub')}`],
    ['HEAD', `${evidencePath(sha256)}?${inUrl('lingnan-hub')}`],
    ['GET', `${evidencePath(sha256)}?${inUrl('operator')}`],
    ['GET', `/api/v1/tickets?access%5Ftoken=${token('operator')}`],
    ['GET', `/open311/v2/requests.json?${inUrl('operator')}`],
    ['GET', `/api/v1/nowhere?${inUrl('operator')}`],
  ])('refuses a token in the URL of %s %s: 401 TOKEN_IN_URL', async (method, url) => {
    const body = method === 'POST' || method === 'PUT' ? '{}' : undefined;
    const res = await call(method, url, body ? { body } : {});
    expect(res.status).toBe(401);
    if (method !== 'HEAD') expect(res.code).toBe('TOKEN_IN_URL'); // a HEAD answer has no body
  });

  it('refuses it even beside a valid header, and changes nothing', async () => {
    const res = await call('DELETE', `/api/v1/cameras/renmin-hub/rm-square?${inUrl('admin')}`, {
      headers: { authorization: `Bearer ${token('admin')}` },
    });
    expect(res.code).toBe('TOKEN_IN_URL');
    const camera = await call('GET', '/api/v1/cameras/renmin-hub/rm-square', {
      headers: { authorization: `Bearer ${token('admin')}` },
    });
    expect(camera.status).toBe(200);
  });

  it('shows evidence to a browser through the cookie /api/v1/me sets: HttpOnly, for the evidence path only', async () => {
    const me = await call('GET', '/api/v1/me', { headers: { authorization: `Bearer ${token('operator')}` } });
    const cookie = me.response.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^csa_evidence=[^;]+; Path=\/api\/v1\/evidence; HttpOnly; SameSite=Strict$/);
    const pair = cookie.split(';')[0] as string;
    const image = await fetch(`${base}${evidencePath(sha256)}`, { headers: { cookie: pair } });
    expect(image.status).toBe(200);
    expect(Buffer.from(await image.arrayBuffer())).toEqual(bytes);
    // The cookie opens no other route, and a wrong one (or an edge's token) opens no evidence.
    expect((await call('GET', '/api/v1/tickets', { headers: { cookie: pair } })).status).toBe(401);
    for (const value of ['wrong', token('lingnan-hub')]) {
      const refused = await call('GET', evidencePath(sha256), {
        headers: { cookie: `csa_evidence=${value}` },
      });
      expect(refused.status).toBe(401);
    }
  });

  it('writes no token to the log: secret query values are redacted in every logged URL', async () => {
    await call('POST', `/open311/v2/requests.json?api_key=${token('citizen-app')}`, { body: '{}' });
    await app.close(); // flushes "request completed" of the live stream
    const text = logged.join('');
    expect(logged.length).toBeGreaterThan(30);
    expect(text).toContain('/api/v1/live?access_token=[redacted]');
    expect(text).toContain(`${evidencePath(sha256)}?access_token=[redacted]`);
    expect(text).toContain('/open311/v2/requests.json?api_key=[redacted]');
    expect(text).toContain('access%5Ftoken=[redacted]');
    for (const secret of SECRETS) expect(text).not.toContain(secret);
  });
});
