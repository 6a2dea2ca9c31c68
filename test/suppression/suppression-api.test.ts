import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CameraSuppression } from '../../cloud/suppression/suppression-schema.ts';
import type { EdgeSuppressionRegions } from '../../foundation/suppression/suppression-region.ts';
import { backends } from '../cloud/support/databases.ts';
import { openServer } from '../cloud/support/server.ts';
import { rejectFirstObject } from './rejections.ts';

const CONE: [number, number, number, number] = [0.21, 0.33, 0.25, 0.37];
const PERSON: [number, number, number, number] = [0.5, 0.2, 0.56, 0.4];
const CAMERA_URL = '/api/v1/cameras/lingnan-hub/ln-market/suppression-regions';
const EDGE_URL = '/api/v1/edges/lingnan-hub/suppression-regions';
const edge = (id: string) => ({ authorization: `Bearer ${id}-token` });

describe.each(backends)('suppression regions over the API on $name', (backend) => {
  let s: Awaited<ReturnType<typeof openServer>>;
  let n = 0;
  const reject = (box = CONE, minutes = 0) => {
    n += 1;
    const startedAt = new Date(
      Date.parse('2026-11-21T03:00:00Z') + (n * 60 + minutes) * 60_000,
    ).toISOString();
    return rejectFirstObject(s.app, s.core, s.as('operator'), {
      cameraId: 'ln-market',
      key: `cone-${n}`,
      startedAt,
      snapshot: { sha256: n.toString(16).padStart(64, 'c'), size: 1000 },
      objects: [
        ['person', box],
        ['person', PERSON],
      ],
    });
  };
  const camera = async (user = 'operator') => {
    const reply = await s.app.inject({ url: CAMERA_URL, headers: s.as(user) });
    expect(reply.statusCode, reply.body).toBe(200);
    return reply.json() as CameraSuppression;
  };
  const served = async () => {
    const reply = await s.app.inject({ url: EDGE_URL, headers: edge('lingnan-hub') });
    expect(reply.statusCode, reply.body).toBe(200);
    return reply.json() as EdgeSuppressionRegions;
  };

  beforeAll(async () => {
    s = await openServer(backend, '2026-11-21T04:00:00Z');
  });
  afterAll(() => s.dispose());

  it('makes a region of three "not an object" verdicts at one place, and serves it to its edge', async () => {
    await reject();
    await reject();
    expect((await camera()).regions).toEqual([]);
    await reject();
    const listed = await camera();
    expect(listed.regions).toHaveLength(1);
    const [region] = listed.regions;
    expect(region).toMatchObject({ label: 'person', rejections: 3, status: 'active', cameraId: 'ln-market' });
    expect(region?.sources.map((r) => r.key)).toEqual([
      `${'1'.padStart(64, 'c')}:0`,
      `${'2'.padStart(64, 'c')}:0`,
      `${'3'.padStart(64, 'c')}:0`,
    ]);
    // The confirmed person elsewhere on the same snapshots is no region.
    const edgeRegions = await served();
    expect(edgeRegions.regions.map((r) => r.id)).toEqual([region?.id]);
    expect(edgeRegions.expireAfterDays).toBe(14);
    expect(listed.snapshot).toMatchObject({ sha256: '3'.padStart(64, 'c') });
  });

  it('refuses an edge token on a user route, another edge, and users on the edge route', async () => {
    expect((await s.app.inject({ url: CAMERA_URL, headers: edge('lingnan-hub') })).statusCode).toBe(401);
    expect((await s.app.inject({ url: EDGE_URL, headers: s.as('admin') })).statusCode).toBe(401);
    expect((await s.app.inject({ url: EDGE_URL })).statusCode).toBe(401);
    const other = await s.app.inject({ url: EDGE_URL, headers: edge('renmin-hub') });
    expect(other.statusCode).toBe(403);
    const renmin = await s.app.inject({
      url: '/api/v1/edges/renmin-hub/suppression-regions',
      headers: edge('renmin-hub'),
    });
    expect(renmin.json().regions).toEqual([]);
  });

  it('keeps a region that its edge reports matching, and lets one lapse that nobody sees', async () => {
    const [region] = (await camera()).regions;
    s.clock.advanceMinutes(10 * 24 * 60);
    const report = await s.app.inject({
      method: 'POST',
      url: `${EDGE_URL}/matches`,
      headers: edge('lingnan-hub'),
      payload: {
        matches: [
          { regionId: region?.id, lastMatchedAt: '2026-12-01T03:00:00.000Z' },
          { regionId: 'sr-ffffffffffffffff', lastMatchedAt: '2026-12-01T03:00:00.000Z' },
        ],
      },
    });
    expect(report.json()).toEqual({ recorded: 1 });
    s.clock.advanceMinutes(10 * 24 * 60);
    expect((await camera()).regions[0]).toMatchObject({
      status: 'active',
      lastMatchedAt: '2026-12-01T03:00:00.000Z',
      expiresAt: '2026-12-15T03:00:00.000Z',
    });
    s.clock.advanceMinutes(5 * 24 * 60);
    expect((await camera()).regions[0]?.status).toBe('expired');
    expect((await served()).regions).toEqual([]);
    s.clock.set('2026-11-21T05:00:00Z');
  });

  it('lets a supervisor remove a region for good; new rejections there make a new one', async () => {
    const [region] = (await camera()).regions;
    const url = `${CAMERA_URL}/${region?.id}`;
    expect((await s.app.inject({ method: 'DELETE', url, headers: s.as('operator') })).statusCode).toBe(403);
    const removed = await s.app.inject({ method: 'DELETE', url, headers: s.as('supervisor') });
    expect(removed.statusCode, removed.body).toBe(200);
    expect(removed.json()).toMatchObject({ id: region?.id, removedBy: 'supervisor', role: 'supervisor' });
    const again = await s.app.inject({ method: 'DELETE', url, headers: s.as('supervisor') });
    expect(again.statusCode).toBe(404);
    expect(again.json().error.code).toBe('SUPPRESSION_REGION_NOT_FOUND');
    const after = await camera();
    expect(after.regions).toEqual([]);
    expect(after.removed).toMatchObject([{ id: region?.id, removedBy: 'supervisor', rejections: 3 }]);
    expect((await served()).regions).toEqual([]);
    // Two more rejections at the place are not enough with the removed three; three are.
    await reject(CONE, 1);
    await reject(CONE, 1);
    expect((await camera()).regions).toEqual([]);
    await reject(CONE, 1);
    const renewed = (await camera()).regions;
    expect(renewed).toHaveLength(1);
    expect(renewed[0]?.id).not.toBe(region?.id);
  });

  it('answers a malformed region id and report with 400', async () => {
    const bad = await s.app.inject({ method: 'DELETE', url: `${CAMERA_URL}/nope`, headers: s.as('admin') });
    expect(bad.statusCode).toBe(400);
    const report = await s.app.inject({
      method: 'POST',
      url: `${EDGE_URL}/matches`,
      headers: edge('lingnan-hub'),
      payload: { matches: [{ regionId: 'sr-0', lastMatchedAt: 'yesterday' }] },
    });
    expect(report.statusCode).toBe(400);
  });
});
