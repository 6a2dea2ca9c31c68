import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSha256 } from '../../foundation/edge-config/fleet-notice.ts';
import { backends } from '../cloud/support/databases.ts';
import { openServer } from '../cloud/support/server.ts';

const camera = (id: string, zone: number[][]) => ({
  id,
  source: { url: `rtsp://10.0.0.7/${id}` },
  zones: [{ name: 'road', points: zone }],
  scenarios: [{ type: 'loitering', zone: 'road', minDwellSeconds: 20 }],
});
const SQUARE = [
  [0.1, 0.1],
  [0.9, 0.1],
  [0.9, 0.9],
  [0.1, 0.9],
];
const config = { cameras: [camera('ln-gate', SQUARE), camera('ln-market', SQUARE)] };

describe.each(backends)('edge configurations in the cloud ($name)', (backend) => {
  let s: Awaited<ReturnType<typeof openServer>>;
  const notices: unknown[] = [];
  beforeAll(async () => {
    s = await openServer(backend, '2026-11-21T04:00:00Z');
    s.core.fleet.attach({ publish: (notice) => notices.push(notice) });
  }, 60_000);
  afterAll(async () => s?.dispose());

  const put = (body: object, who = 'supervisor', edgeId = 'lingnan-hub') =>
    s.app.inject({ method: 'PUT', url: `/api/v1/edges/${edgeId}/config`, headers: s.as(who), payload: body });
  const get = (url: string, headers: Record<string, string>) => s.app.inject({ url, headers });

  it('saves each PUT as a new version with who and when, announces it, and lists the history', async () => {
    const first = await put({ config, note: 'two cameras' });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({
      edgeId: 'lingnan-hub',
      version: 1,
      savedBy: 'supervisor',
      role: 'supervisor',
      savedAt: '2026-11-21T04:00:00.000Z',
      note: 'two cameras',
      sha256: configSha256(config),
    });
    s.clock.set('2026-11-21T05:00:00Z');
    const moved = {
      cameras: [
        config.cameras[0],
        camera(
          'ln-market',
          SQUARE.map(([x = 0, y = 0]) => [x, y / 2]),
        ),
      ],
    };
    const second = await put({ config: moved }, 'admin');
    expect(second.json()).toMatchObject({ version: 2, savedBy: 'admin', role: 'admin', note: null });
    expect(notices).toEqual([
      { edgeId: 'lingnan-hub', version: 1, sha256: configSha256(config) },
      { edgeId: 'lingnan-hub', version: 2, sha256: configSha256(moved) },
    ]);

    const history = (await get('/api/v1/edges/lingnan-hub/config/versions', s.as('admin'))).json();
    expect(history.versions.map((v: { version: number; savedBy: string }) => [v.version, v.savedBy])).toEqual(
      [
        [2, 'admin'],
        [1, 'supervisor'],
      ],
    );
    const v1 = (await get('/api/v1/edges/lingnan-hub/config/versions/1', s.as('admin'))).json();
    expect(v1.config).toEqual(config);
    const state = (await get('/api/v1/edges/lingnan-hub/config', s.as('supervisor'))).json();
    expect(state).toMatchObject({ desired: { version: 2, config: moved }, applied: null, inSync: false });
    expect((await get('/api/v1/edges/lingnan-hub/config/versions/9', s.as('admin'))).statusCode).toBe(404);
  });

  it('refuses a config the edge schema refuses, naming the field, and stores nothing', async () => {
    const before = (await get('/api/v1/edges/renmin-hub/config/versions', s.as('admin'))).json();
    const bad = { cameras: [camera('rm-1', SQUARE.slice(0, 2))] };
    const answer = await put({ config: bad }, 'admin', 'renmin-hub');
    expect(answer.statusCode).toBe(400);
    expect(answer.json().error).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(answer.json().error.message).toMatch(/cameras\/0\/zones\/0\/points.*at least 3 points/);
    const dangling = {
      cameras: [{ ...camera('rm-1', SQUARE), scenarios: [{ type: 'loitering', zone: 'lawn' }] }],
    };
    const refused = await put({ config: dangling }, 'admin', 'renmin-hub');
    expect(refused.statusCode).toBe(400);
    expect(JSON.stringify(refused.json())).toMatch(/no zone named \\"lawn\\"/);
    const after = (await get('/api/v1/edges/renmin-hub/config/versions', s.as('admin'))).json();
    expect(after.versions).toEqual(before.versions);
  });

  it('lets only supervisors and admins read or save configurations, and each edge pull only its own', async () => {
    expect((await put({ config }, 'operator')).statusCode).toBe(403);
    expect((await get('/api/v1/edges/lingnan-hub/config', s.as('handler'))).statusCode).toBe(403);
    const own = await get('/api/v1/edges/lingnan-hub/desired-config', {
      authorization: 'Bearer lingnan-hub-token',
    });
    expect(own.statusCode).toBe(200);
    expect(own.json()).toMatchObject({ edgeId: 'lingnan-hub', version: 2 });
    const other = await get('/api/v1/edges/lingnan-hub/desired-config', {
      authorization: 'Bearer renmin-hub-token',
    });
    expect(other.statusCode).toBe(403);
    const none = await get('/api/v1/edges/renmin-hub/desired-config', {
      authorization: 'Bearer renmin-hub-token',
    });
    expect(none.statusCode).toBe(404);
  });
});
