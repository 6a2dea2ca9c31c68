// Issue 18, "An adversarial suite that stays": the route × credential matrix. Every route of the
// cloud's OpenAPI document against every kind of credential: 401, 403 or allowed, never a 500.
// Covers item 8 (a token in the URL only on the live view's EventSource route) and item 11
// (authentication before validation: a refused caller with a bad body gets 401, not the schema).
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCloud } from '../../cloud/app/start-cloud.ts';
import type { Role } from '../../cloud/tickets/roles.ts';
import { startFixtureCloudOnPostgres } from '../cloud/support/fixture-cloud.ts';
import { token } from '../cloud/support/fixtures.ts';

/** Who may pass a route's door. What they may then do (a ticket's state) is not this test's business. */
type Door =
  | { who: 'public' }
  /**
   * Users' bearer tokens, of these roles (all when absent). `tokenInUrl`: also `?access_token=`, for
   * the one request a browser cannot give a header: the live feed's EventSource.
   */
  | { who: 'users'; roles?: readonly Role[]; tokenInUrl?: true }
  /** Edges' own bearer tokens (evidence upload). */
  | { who: 'edges' }
  /** An Open311 client's `api_key`, in the request body as GeoReport v2 sends it. */
  | { who: 'open311' };

const anyUser: Door = { who: 'users' };
const only = (...roles: Role[]): Door => ({ who: 'users', roles });
const open: Door = { who: 'public' };

/**
 * The expected door of every operation. A route that is added without a line here fails the
 * first test: deciding who may use it is part of adding it.
 */
const DOORS: Record<string, Door> = {
  'GET /api/v1/tickets': anyUser,
  'POST /api/v1/tickets': only('operator', 'dispatcher', 'supervisor', 'admin'),
  'GET /api/v1/tickets/{id}': anyUser,
  'POST /api/v1/tickets/{id}/transitions': anyUser,
  'GET /api/v1/escalations': only('operator', 'dispatcher', 'supervisor', 'admin'),
  'GET /api/v1/tickets/{id}/snapshots/{sha256}/labels': anyUser,
  'PUT /api/v1/tickets/{id}/snapshots/{sha256}/labels': only('operator', 'supervisor', 'admin'),
  'GET /api/v1/incidents': anyUser,
  'GET /api/v1/incidents/{id}': anyUser,
  'GET /api/v1/events': anyUser,
  'GET /api/v1/dead-letters': only('supervisor', 'admin'),
  'GET /api/v1/ingest': anyUser,
  'GET /api/v1/edges': anyUser,
  'GET /api/v1/places': anyUser,
  'GET /api/v1/places/locate': anyUser,
  'GET /api/v1/places/{id}': anyUser,
  'PUT /api/v1/places/{id}': only('admin'),
  'DELETE /api/v1/places/{id}': only('admin'),
  'GET /api/v1/cameras': anyUser,
  'GET /api/v1/camera-health': anyUser,
  'GET /api/v1/cameras/{edgeId}/{cameraId}': anyUser,
  'PUT /api/v1/cameras/{edgeId}/{cameraId}': only('admin'),
  'DELETE /api/v1/cameras/{edgeId}/{cameraId}': only('admin'),
  'GET /api/v1/permits': anyUser,
  'PUT /api/v1/permits': only('supervisor', 'admin'),
  'GET /api/v1/permits/{plate}': anyUser,
  'GET /api/v1/permits/{plate}/history': anyUser,
  'PUT /api/v1/permits/{plate}': only('supervisor', 'admin'),
  'DELETE /api/v1/permits/{plate}': only('supervisor', 'admin'),
  'GET /api/v1/cameras/{edgeId}/{cameraId}/suppression-regions': anyUser,
  'DELETE /api/v1/cameras/{edgeId}/{cameraId}/suppression-regions/{regionId}': only('supervisor', 'admin'),
  'GET /api/v1/edges/{edgeId}/suppression-regions': { who: 'edges' },
  'POST /api/v1/edges/{edgeId}/suppression-regions/matches': { who: 'edges' },
  'GET /api/v1/edges/{edgeId}/config': only('supervisor', 'admin'),
  'PUT /api/v1/edges/{edgeId}/config': only('supervisor', 'admin'),
  'GET /api/v1/edges/{edgeId}/config/versions': only('supervisor', 'admin'),
  'GET /api/v1/edges/{edgeId}/config/versions/{version}': only('supervisor', 'admin'),
  'GET /api/v1/edges/{edgeId}/desired-config': { who: 'edges' },
  'PUT /api/v1/model-files/{sha256}': only('supervisor', 'admin'),
  'PUT /api/v1/models/{name}/{version}': only('supervisor', 'admin'),
  'GET /api/v1/models': anyUser,
  'GET /api/v1/models/{name}/{version}': anyUser,
  'GET /api/v1/models/{name}/{version}/comparison': anyUser,
  'PUT /api/v1/models/{name}/{version}/assignments': only('supervisor', 'admin'),
  'POST /api/v1/models/{name}/{version}/promote': only('supervisor', 'admin'),
  'POST /api/v1/models/{name}/{version}/rollback': only('supervisor', 'admin'),
  'GET /api/v1/edges/{edgeId}/models': { who: 'edges' },
  'GET /api/v1/edges/{edgeId}/model-files/{sha256}': { who: 'edges' },
  'GET /api/v1/statistics/tickets': anyUser,
  'GET /api/v1/statistics/false-alarms': anyUser,
  'GET /api/v1/live': { who: 'users', tokenInUrl: true },
  'GET /api/v1/vocabulary': anyUser,
  'GET /api/v1/me': anyUser,
  'GET /api/v1/edge-links': anyUser,
  'GET /api/v1/evidence/{sha256}': anyUser,
  'GET /metrics': open,
  'PATCH /api/v1/evidence/{sha256}': { who: 'edges' },
  ...Object.fromEntries(
    ['json', 'xml'].flatMap((format) => [
      [`GET /open311/v2/discovery.${format}`, open],
      [`GET /open311/v2/services.${format}`, open],
      [`GET /open311/v2/services/{code}.${format}`, open],
      [`GET /open311/v2/requests.${format}`, open],
      [`GET /open311/v2/requests/{id}.${format}`, open],
      [`POST /open311/v2/requests.${format}`, { who: 'open311' }],
    ]),
  ),
};

/** Served, but not in the OpenAPI document (fastify's swagger leaves out HEAD and hidden routes). */
const UNDOCUMENTED: Record<string, Door> = {
  'HEAD /api/v1/evidence/{sha256}': { who: 'edges' },
  'GET /health': open,
};

interface Credential {
  name: string;
  /** The Authorization header. */
  authorization?: string;
  /** Sent as `?access_token=`. */
  urlToken?: string;
  /** The Open311 `api_key` in the body of a service request. */
  apiKey?: string;
  /** Whose it is, when it is a real credential. */
  owner?: { kind: 'user'; role: Role } | { kind: 'edge' } | { kind: 'open311' };
}

const ROLES_OF_FIXTURE: readonly Role[] = ['operator', 'dispatcher', 'handler', 'supervisor', 'admin'];
const bearer = (secret: string) => `Bearer ${secret}`;

const CREDENTIALS: readonly Credential[] = [
  { name: 'none' },
  {
    name: 'basic scheme',
    authorization: `Basic ${Buffer.from(`operator:${token('operator')}`).toString('base64')}`,
  },
  { name: 'empty bearer', authorization: 'Bearer ' },
  { name: 'wrong token', authorization: bearer('not-a-token'), apiKey: 'not-a-token' },
  { name: 'oversized token', authorization: bearer('x'.repeat(8000)), apiKey: 'x'.repeat(8000) },
  ...ROLES_OF_FIXTURE.map(
    (role): Credential => ({
      name: role,
      authorization: bearer(token(role)),
      apiKey: token(role),
      owner: { kind: 'user', role },
    }),
  ),
  {
    name: 'edge token',
    authorization: bearer(token('lingnan-hub')),
    apiKey: token('lingnan-hub'),
    owner: { kind: 'edge' },
  },
  {
    name: 'open311 key',
    authorization: bearer(token('citizen-app')),
    apiKey: token('citizen-app'),
    owner: { kind: 'open311' },
  },
  { name: 'operator ?access_token', urlToken: token('operator'), owner: { kind: 'user', role: 'operator' } },
  { name: 'admin ?access_token', urlToken: token('admin'), owner: { kind: 'user', role: 'admin' } },
  { name: 'edge ?access_token', urlToken: token('lingnan-hub'), owner: { kind: 'edge' } },
];

type Outcome = 'allowed' | 401 | 403;

/** The intended answer of issue 18: a token in a URL counts only on the live feed, anywhere else 401. */
function expected(door: Door, credential: Credential): Outcome {
  const owner = credential.owner;
  if (credential.urlToken !== undefined && !(door.who === 'users' && door.tokenInUrl)) return 401;
  switch (door.who) {
    case 'public':
      return 'allowed';
    case 'edges':
      return owner?.kind === 'edge' ? 'allowed' : 401;
    case 'open311':
      // GeoReport v2: a missing or invalid api_key is a 403.
      return owner?.kind === 'open311' ? 'allowed' : 403;
    case 'users':
      if (owner?.kind !== 'user') return 401;
      return !door.roles || door.roles.includes(owner.role) ? 'allowed' : 403;
  }
}

/** Path parameters that name nothing: a door that opens leads to a 404 or a 400, never to data. */
function concretePath(template: string): string {
  const placeId = template.startsWith('/api/v1/places/') ? 'matrix-nowhere' : undefined;
  return template
    .replace('{id}', placeId ?? '999999')
    .replace('{edgeId}', 'lingnan-hub')
    .replace('{cameraId}', 'matrix-cam')
    .replace('{code}', 'street_vending')
    .replace('{sha256}', '0'.repeat(64));
}

/** A body the route's schema refuses (so an opened door ends in a 400), except Open311's, which is whole. */
function bodyFor(method: string, template: string, credential: Credential): string | undefined {
  if (method !== 'POST' && method !== 'PUT' && method !== 'PATCH') return undefined;
  if (!template.startsWith('/open311/')) return '{}';
  return JSON.stringify({
    ...(credential.apiKey !== undefined ? { api_key: credential.apiKey } : {}),
    service_code: 'street_vending',
    lat: 23.1301,
    long: 113.2401,
    description: 'route access matrix',
  });
}

async function knock(base: string, operation: string, credential: Credential): Promise<number> {
  const [method = 'GET', template = '/'] = operation.split(' ');
  const url = new URL(concretePath(template), base);
  if (credential.urlToken !== undefined) url.searchParams.set('access_token', credential.urlToken);
  const body = bodyFor(method, template, credential);
  const abort = new AbortController();
  const response = await fetch(url, {
    method,
    headers: {
      ...(credential.authorization !== undefined ? { authorization: credential.authorization } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body } : {}),
    signal: abort.signal,
  });
  // The live feed never ends by itself: the status is all this test wants of it.
  abort.abort();
  await response.body?.cancel().catch(() => {});
  return response.status;
}

async function inParallel<T>(items: readonly T[], width: number, work: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}

describe('who gets through which door of the cloud (real cloud, PostgreSQL)', () => {
  let cloud: RunningCloud;
  let stopCloud: (() => Promise<void>) | undefined;
  let evidenceDir: string;
  let documented: string[] = [];

  beforeAll(async () => {
    evidenceDir = await mkdtemp(path.join(os.tmpdir(), 'route-matrix-evidence-'));
    ({ cloud, stop: stopCloud } = await startFixtureCloudOnPostgres(evidenceDir, {}));
    const doc = (await (await fetch(`${cloud.url}/docs/json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    documented = Object.entries(doc.paths).flatMap(([route, operations]) =>
      Object.keys(operations).map((method) => `${method.toUpperCase()} ${route}`),
    );
  });

  afterAll(async () => {
    await stopCloud?.();
    if (evidenceDir) await rm(evidenceDir, { recursive: true, force: true });
  });

  it('has decided the door of every route the OpenAPI document lists, and of no route it lacks', () => {
    expect(documented.length).toBeGreaterThan(30);
    expect(documented.filter((operation) => !(operation in DOORS))).toEqual([]);
    expect(Object.keys(DOORS).filter((operation) => !documented.includes(operation))).toEqual([]);
  });

  it('answers every route × credential with 401, 403 or a way in as the table says, never a 500', async () => {
    const doors = { ...DOORS, ...UNDOCUMENTED };
    const cells = Object.keys(doors).flatMap((operation) =>
      CREDENTIALS.map((credential) => ({ operation, credential })),
    );
    const wrong: string[] = [];
    await inParallel(cells, 12, async ({ operation, credential }) => {
      const want = expected(doors[operation] as Door, credential);
      const status = await knock(cloud.url, operation, credential);
      const got: Outcome | 'server error' =
        status >= 500 ? 'server error' : status === 401 || status === 403 ? status : 'allowed';
      if (got !== want) wrong.push(`${operation} as ${credential.name}: ${status}, expected ${want}`);
    });
    expect(cells.length).toBeGreaterThan(500);
    expect(wrong.sort()).toEqual([]);
  });
});
