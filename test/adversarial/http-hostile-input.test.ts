// Issue 18 items 7, 9 (the upload part) and 11 (Open311's empty parameters, authentication before
// validation): hostile input at the cloud's HTTP boundary. A NUL character in a query or body
// string, an id past what the database holds, empty Open311 parameters and an upload announced as
// 999,999,999,999,999 bytes each get an answer naming what is wrong, never a 500, and the cloud
// goes on serving valid requests. Real cloud server on PostgreSQL.
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CloudConfig } from '../../cloud/config/cloud-config-schema.ts';
import { DiskEvidenceStore } from '../../cloud/evidence/evidence-store.ts';
import { createCloudServer } from '../../cloud/http/create-server.ts';
import { TokenAuth } from '../../cloud/http/token-auth.ts';
import { evidencePath } from '../../foundation/contract/evidence-upload.ts';
import { openCore } from '../cloud/support/core.ts';
import { backendNamed } from '../cloud/support/databases.ts';
import { token } from '../cloud/support/fixtures.ts';
import { openServer } from '../cloud/support/server.ts';

const MAX_UPLOAD = 1024 * 1024;
const HUGE = '999999999999999';
const OUT_OF_RANGE = '99999999999999999999';

interface Case {
  name: string;
  method?: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  /** A JSON body, or a form body when a string. */
  body?: Record<string, unknown> | string;
  headers?: Record<string, string>;
  as?: string;
  status: number;
  /** The error code (JSON API), or a text the answer must hold (Open311, evidence). */
  code?: string;
  names?: string;
}

const nul = 'a\u0000b';
const form = { 'content-type': 'application/x-www-form-urlencoded' };
const report = { source: 'hotline', category: 'garbage', description: 'bags by the square' };
const V = 'VALIDATION_FAILED';
const edgeUpload = (length: string) => ({
  authorization: `Bearer ${token('lingnan-hub')}`,
  'content-type': 'application/offset+octet-stream',
  'upload-offset': '0',
  'upload-length': length,
  'evidence-content-type': 'video/mp4',
});

/** A GET refused with a 400 that names `names` (and has `code`, in the JSON API). */
const get = (name: string, url: string, names: string, code?: string): Case => ({
  name,
  url,
  status: 400,
  names,
  ...(code ? { code } : {}),
});
/** A request with a body, refused with a 400 VALIDATION_FAILED that names `names`. */
const write = (
  name: string,
  method: Case['method'],
  url: string,
  body: Case['body'],
  names: string,
  as?: string,
) => ({ name, method, url, body, status: 400, code: V, names, ...(as ? { as } : {}) }) satisfies Case;
/** A caller refused at the door whatever it sends. */
const door = (name: string, status: number, code: string, request: Omit<Case, 'name' | 'status'>): Case => ({
  name,
  status,
  ...(status === 403 && request.url.startsWith('/open311') ? { names: code } : { code }),
  ...request,
});

/** One line per hostile input: where it goes, and the answer due. */
const CASES: Case[] = [
  // Item 7: NUL in query strings and path parameters (PostgreSQL refuses 0x00 in text: each was a 500).
  get('NUL in ?department', '/api/v1/tickets?department=a%00b', 'querystring/department', V),
  get('NUL in ?place', '/api/v1/tickets?place=a%00b', 'querystring/place', V),
  get('NUL in ?type', '/api/v1/incidents?type=a%00b', 'querystring/type', V),
  get('NUL in ?edgeId', '/api/v1/events?edgeId=a%00b', 'querystring/edgeId', V),
  get('NUL in a path parameter', '/api/v1/cameras/a%00b/c', 'params/edgeId', V),
  get(
    'NUL in Open311 ?service_code',
    '/open311/v2/requests.json?service_code=a%00b',
    'querystring/service_code',
  ),
  // Item 7: NUL in body strings and keys.
  write(
    'NUL in a report description',
    'POST',
    '/api/v1/tickets',
    { ...report, description: nul },
    'body/description',
  ),
  write('NUL in a report address', 'POST', '/api/v1/tickets', { ...report, address: nul }, 'body/address'),
  write('NUL in a reporter', 'POST', '/api/v1/tickets', { ...report, reporter: nul }, 'body/reporter'),
  write(
    'NUL in a note',
    'POST',
    '/api/v1/tickets/1/transitions',
    { action: 'confirm', note: nul },
    'body/note',
  ),
  write(
    'NUL in a camera name',
    'PUT',
    '/api/v1/cameras/renmin-hub/x',
    { name: nul, lat: 23.1, lon: 113.2 },
    'body/name',
    'admin',
  ),
  write('NUL in a key', 'PUT', '/api/v1/cameras/renmin-hub/x', { name: 'x', [nul]: 1 }, 'body/a', 'admin'),
  {
    name: 'NUL in an Open311 description (form)',
    method: 'POST',
    url: '/open311/v2/requests.json',
    headers: form,
    body: `api_key=${token('citizen-app')}&service_code=garbage&address_string=Renmin%20Rd&description=x%00y`,
    status: 400,
    names: 'body/description',
  },
  // Item 7: ids past the database's range (the first was a 500).
  get(
    'Open311 service_request_id out of range',
    `/open311/v2/requests.json?service_request_id=${OUT_OF_RANGE}`,
    'service_request_id',
  ),
  get(
    'Open311 service_request_id not a number',
    '/open311/v2/requests.json?service_request_id=1,x',
    'service_request_id',
  ),
  get('Open311 request id out of range', `/open311/v2/requests/${OUT_OF_RANGE}.json`, 'id'),
  get('ticket id out of range', `/api/v1/tickets/${OUT_OF_RANGE}`, 'params/id', V),
  get('incident id out of range', `/api/v1/incidents/${OUT_OF_RANGE}`, 'params/id', V),
  get('?incidentId out of range', `/api/v1/events?incidentId=${OUT_OF_RANGE}`, 'incidentId', V),
  write(
    'mergedInto out of range',
    'POST',
    '/api/v1/tickets/1/transitions',
    { action: 'merge', mergedInto: 1e20 },
    'mergedInto',
  ),
  // Item 9: an upload announced far past the limit (it was taken, and kept forever).
  {
    name: 'an upload announced as 999,999,999,999,999 bytes',
    method: 'PATCH',
    url: evidencePath('0'.repeat(64)),
    headers: edgeUpload(HUGE),
    body: 'first bytes',
    status: 413,
    code: 'UPLOAD_TOO_LARGE',
    names: `limit of ${MAX_UPLOAD} bytes (evidence.maxUploadBytes)`,
  },
  // Item 11: authentication before validation: a refused caller learns nothing of the schema.
  door('no token, bad body', 401, 'AUTH_REQUIRED', {
    method: 'POST',
    url: '/api/v1/tickets',
    body: { x: 1 },
    as: '',
  }),
  door('no token, bad transition', 401, 'AUTH_REQUIRED', {
    method: 'POST',
    url: '/api/v1/tickets/x/transitions',
    body: { action: 'fly' },
    as: '',
  }),
  door('wrong role, bad body', 403, 'FORBIDDEN', {
    method: 'PUT',
    url: '/api/v1/places/x',
    body: { x: 1 },
    as: 'operator',
  }),
  door('no token, NUL in the query', 401, 'AUTH_REQUIRED', {
    url: '/api/v1/tickets?department=a%00b',
    as: '',
  }),
  door('Open311 bad key, bad body', 403, 'api_key is not valid', {
    method: 'POST',
    url: '/open311/v2/requests.json',
    headers: form,
    body: 'api_key=wrong&service_code=dragons&lat=999',
  }),
  door('upload without a token, bad headers', 401, 'AUTH_REQUIRED', {
    method: 'PATCH',
    url: evidencePath('0'.repeat(64)),
    headers: { 'upload-length': 'lots' },
    as: '',
  }),
];

describe('hostile input at the cloud HTTP boundary (PostgreSQL)', () => {
  let opened: Awaited<ReturnType<typeof openCore>>;
  let app: FastifyInstance;
  let evidenceDir: string;
  const withEvidence = (evidence: Partial<CloudConfig['evidence']>) => ({
    ...opened.core,
    config: { ...opened.core.config, evidence: { ...opened.core.config.evidence, ...evidence } },
  });

  beforeAll(async () => {
    opened = await openCore(backendNamed('postgres'));
    evidenceDir = await mkdtemp(path.join(os.tmpdir(), 'hostile-evidence-'));
    app = await createCloudServer({
      core: withEvidence({ maxUploadBytes: MAX_UPLOAD }),
      auth: new TokenAuth(opened.core.config.auth),
      evidence: await DiskEvidenceStore.open(evidenceDir),
    });
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await opened?.dispose();
    await rm(evidenceDir, { recursive: true, force: true });
  });

  const send = (c: Omit<Case, 'name' | 'status'>, server = app) => {
    const as = c.as ?? 'supervisor';
    const json = c.body !== undefined && typeof c.body !== 'string';
    return server.inject({
      method: c.method ?? 'GET',
      url: c.url,
      headers: {
        ...(as ? { authorization: `Bearer ${token(as)}` } : {}),
        ...(json ? { 'content-type': 'application/json' } : {}),
        ...c.headers,
      },
      ...(c.body === undefined ? {} : { payload: json ? JSON.stringify(c.body) : (c.body as string) }),
    });
  };

  it.each(CASES)('$name: $status, naming what is wrong', async (c) => {
    const res = await send(c);
    expect(res.statusCode, res.body).toBe(c.status);
    if (c.code) expect(res.json().error?.code ?? res.json().code).toBe(c.code);
    if (c.names) expect(res.body).toContain(c.names);
  });

  it('still answers valid requests after every hostile one', async () => {
    const created = await send({ method: 'POST', url: '/api/v1/tickets', body: report });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id as number;
    const listed = await send({ url: '/api/v1/tickets?department=environment' });
    expect(listed.json().tickets.map((t: { id: number }) => t.id)).toContain(id);
    const open311 = await send({ url: `/open311/v2/requests.json?service_request_id=${id}` });
    expect(open311.json()).toMatchObject([{ service_request_id: String(id) }]);
  });

  it('treats empty Open311 parameters as absent: lat=&long= with an address is no report at (0, 0)', async () => {
    const created = await send({
      method: 'POST',
      url: '/open311/v2/requests.json',
      headers: form,
      body: `api_key=${token('citizen-app')}&service_code=garbage&lat=&long=&address_string=Renmin%20Rd%201&media_url=&description=&email=`,
    });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json()[0].service_request_id as string;
    const [request] = (await send({ url: `/open311/v2/requests/${id}.json` })).json();
    expect(request).toMatchObject({ lat: null, long: null, address: 'Renmin Rd 1', media_url: null });
    const ticket = (await send({ url: `/api/v1/tickets/${id}` })).json().ticket;
    expect(ticket).toMatchObject({ location: null, gridId: null, description: null });

    const listed = await send({
      url: `/open311/v2/requests.json?service_request_id=&service_code=&status=&start_date=&end_date=`,
    });
    expect(listed.statusCode, listed.body).toBe(200);
    expect(listed.json().map((r: { service_request_id: string }) => r.service_request_id)).toContain(id);
  });

  it('takes an upload announced at the limit, and discards one left idle past evidence.incompleteUploadHours', async () => {
    const bytes = Buffer.from('the first bytes of a clip');
    const sha256 = createHash('sha256').update('a whole clip that never arrives').digest('hex');
    const patch = await send({
      method: 'PATCH',
      url: evidencePath(sha256),
      headers: edgeUpload(String(MAX_UPLOAD)),
      body: bytes.toString('latin1'),
    });
    expect(patch.statusCode, patch.body).toBe(204);
    const head = () => send({ method: 'HEAD', url: evidencePath(sha256), as: 'lingnan-hub' });
    expect((await head()).headers['upload-offset']).toBe(String(bytes.length));

    // Another instance over the same folder, its limit one second: it sweeps as it starts.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const strict = await createCloudServer({
      core: withEvidence({ maxUploadBytes: MAX_UPLOAD, incompleteUploadHours: 1 / 3600 }),
      auth: new TokenAuth(opened.core.config.auth),
      evidence: await DiskEvidenceStore.open(evidenceDir),
    });
    try {
      await strict.ready();
      await expect
        .poll(
          async () =>
            (await send({ method: 'HEAD', url: evidencePath(sha256), as: 'lingnan-hub' }, strict)).statusCode,
          { timeout: 10_000 },
        )
        .toBe(404);
    } finally {
      await strict.close();
    }
  });
});

describe('the safety net: data the database refuses is a 400, never a 500 (PGlite)', () => {
  let s: Awaited<ReturnType<typeof openServer>>;
  beforeAll(async () => {
    s = await openServer(backendNamed('pglite'));
  });
  afterAll(() => s?.dispose());

  it('answers a date PGlite cannot hold (year 0, valid ISO 8601) with INPUT_UNSTORABLE, in both APIs', async () => {
    const api = await s.app.inject({
      url: '/api/v1/statistics/tickets?from=0000-01-01T00:00:00Z',
      headers: s.as('supervisor'),
    });
    expect(api.statusCode, api.body).toBe(400);
    expect(api.json().error).toMatchObject({ code: 'INPUT_UNSTORABLE', sqlState: '22008' });
    const open311 = await s.app.inject({ url: '/open311/v2/requests.json?start_date=0000-01-01T00:00:00Z' });
    expect(open311.statusCode, open311.body).toBe(400);
    expect(open311.json()[0].description).toContain('the database refused a value of the request');
    const fine = await s.app.inject({ url: '/api/v1/statistics/tickets', headers: s.as('supervisor') });
    expect(fine.statusCode).toBe(200);
  });
});
