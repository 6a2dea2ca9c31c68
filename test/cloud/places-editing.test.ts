import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../cloud/db/database.ts';
import { openDatabase } from '../../cloud/db/open-database.ts';
import { createCloudServer } from '../../cloud/http/create-server.ts';
import { TokenAuth } from '../../cloud/http/token-auth.ts';
import { openCloudStore } from '../../cloud/repositories/cloud-store.ts';
import { type CloudCore, createCloudCore } from '../../cloud/services/cloud-core.ts';
import { PlaceService } from '../../cloud/services/place-service.ts';
import { testClock } from './support/core.ts';
import { type Backend, backends, pgliteTemplate } from './support/databases.ts';
import { edgeEvent, message } from './support/events.ts';
import { fixtureConfig, fixturePlaces, token } from './support/fixtures.ts';

/** A database that outlives its connection: PGlite in a data folder, or a throwaway PostgreSQL one. */
async function persistentDatabase(backend: Backend) {
  if (backend.name === 'pglite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloud-places-'));
    let first = true;
    return {
      async open(): Promise<Database> {
        const template = first ? await pgliteTemplate('migrated') : {};
        first = false;
        return openDatabase({ dataDir: dir, ...template });
      },
      dispose: async () => fs.rmSync(dir, { recursive: true, force: true }),
    };
  }
  const created = await backend.create();
  return { open: () => openDatabase({ url: created.url }), dispose: created.dispose };
}

/** What start-cloud does with the places: the files, then the database's edits over them. */
async function startInstance(db: Database) {
  const places = await fixturePlaces();
  const core = createCloudCore(
    openCloudStore(db),
    await fixtureConfig(),
    places,
    testClock('2026-11-21T04:00:00Z').now,
  );
  await core.placeEdits.applyStoredEdits();
  const app = await createCloudServer({ core, auth: new TokenAuth(core.config.auth) });
  await app.ready();
  return { core, app };
}

const rect = (west: number, south: number, east: number, north: number) => ({
  type: 'Polygon',
  coordinates: [
    [
      [west, south],
      [east, south],
      [east, north],
      [west, north],
      [west, south],
    ],
  ],
});
const feature = <G>(level: string, name: string, parent: string | undefined, geometry: G) => ({
  type: 'Feature',
  properties: { level, name, ...(parent ? { parent } : {}) },
  geometry,
});
/** ln-south-g1 shrunk to its western part; the new grid g3 takes the rest, where ln-market looks. */
const shrunkG1 = feature('grid', 'ln-south grid 1', 'ln-south', rect(113.23, 23.115, 113.234, 23.125));
const newG3 = feature('grid', 'ln-south grid 3', 'ln-south', rect(113.234, 23.115, 113.2375, 23.125));
const LN_MARKET = { lon: 113.236, lat: 23.12 };

describe.each(backends)('editing the grid hierarchy over the API on $name', (backend) => {
  let storage: Awaited<ReturnType<typeof persistentDatabase>>;
  let db: Database;
  let core: CloudCore;
  let app: FastifyInstance;
  beforeAll(async () => {
    storage = await persistentDatabase(backend);
    db = await storage.open();
    ({ core, app } = await startInstance(db));
  });
  afterAll(async () => {
    await app?.close();
    await db?.close();
    await storage?.dispose();
  });

  const as = (user: string) => ({ authorization: `Bearer ${token(user)}` });
  const put = (id: string, payload: unknown, user = 'admin') =>
    app.inject({ method: 'PUT', url: `/api/v1/places/${id}`, headers: as(user), payload: payload as object });
  const del = (id: string, user = 'admin') =>
    app.inject({ method: 'DELETE', url: `/api/v1/places/${id}`, headers: as(user) });
  const send = (cameraId: string, key: string) => {
    const m = message(
      edgeEvent({ edgeId: 'lingnan-hub', cameraId, key, startedAt: '2026-11-21T03:50:00.000Z' }),
    );
    return core.processor.process(m.topic, m.payload);
  };

  it('documents the edit routes in the OpenAPI document', async () => {
    const doc = (await app.inject({ url: '/docs/json' })).json();
    expect(Object.keys(doc.paths['/api/v1/places/{id}'])).toEqual(['get', 'put', 'delete']);
  });

  it('lets only admins edit places', async () => {
    for (const user of ['operator', 'dispatcher', 'handler', 'supervisor']) {
      const res = await put('ln-south-g3', newG3, user);
      expect(res.statusCode).toBe(403);
      expect(res.json().error.code).toBe('FORBIDDEN');
      expect((await del('ln-south-g1', user)).statusCode).toBe(403);
    }
    expect((await app.inject({ method: 'DELETE', url: '/api/v1/places/ln-south-g1' })).statusCode).toBe(401);
    expect(core.places.get('ln-south-g3')).toBeUndefined();
    expect(core.places.get('ln-south-g1')).toBeDefined();
  });

  it.each([
    [
      'a parent that does not exist',
      feature('grid', 'g', 'nowhere', newG3.geometry),
      'body/properties/parent: no place "nowhere"',
    ],
    [
      'a parent that is not one level up',
      feature('grid', 'g', 'lingnan', newG3.geometry),
      `body/properties/parent: "lingnan" is a street; a grid's parent must be a community`,
    ],
    [
      'no parent below the district level',
      feature('community', 'c', undefined, newG3.geometry),
      'body/properties/parent: a community needs a parent street',
    ],
    [
      'a district with a parent',
      feature('district', 'd', 'liwan', newG3.geometry),
      'body/properties/parent: a district has no parent',
    ],
    [
      'a ring that is not closed',
      feature('grid', 'g', 'ln-south', {
        type: 'Polygon',
        coordinates: [newG3.geometry.coordinates[0]?.slice(0, 4)],
      }),
      'body/geometry/coordinates/0: the ring is not closed',
    ],
    [
      'a ring that crosses itself (a bow tie)',
      feature('grid', 'g', 'ln-south', {
        type: 'Polygon',
        coordinates: [
          [
            [113.234, 23.115],
            [113.2375, 23.125],
            [113.2375, 23.115],
            [113.234, 23.125],
            [113.234, 23.115],
          ],
        ],
      }),
      'body/geometry/coordinates/0: the ring crosses itself',
    ],
    [
      'a hole outside its polygon, in a MultiPolygon',
      feature('grid', 'g', 'ln-south', {
        type: 'MultiPolygon',
        coordinates: [
          newG3.geometry.coordinates,
          [...newG3.geometry.coordinates, rect(0, 0, 1, 1).coordinates[0]],
        ],
      }),
      'body/geometry/coordinates/1/1: a hole must lie inside the outer ring',
    ],
    [
      'an id other than the path',
      { ...newG3, properties: { ...newG3.properties, id: 'other' } },
      `body/properties/id: "other" is not the path's id "ln-south-g3"`,
    ],
    [
      'a longitude out of range',
      feature('grid', 'g', 'ln-south', rect(113.234, 23.115, 213.2375, 23.125)),
      'body/geometry/coordinates/0/1/0',
    ],
    ['an unknown level', feature('city', 'g', 'ln-south', newG3.geometry), 'body/properties/level'],
  ])('refuses %s, naming the field', async (_what, body, named) => {
    const res = await put('ln-south-g3', body);
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(res.json().error.message).toContain(named);
    expect(core.places.get('ln-south-g3')).toBeUndefined();
  });

  it('refuses a place id that is not one', async () => {
    const res = await put('Bad Id', newG3);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toContain('params/id');
  });

  it('refuses to change the level of a place that has children', async () => {
    const res = await put(
      'ln-south',
      feature('street', 'South', 'liwan', rect(113.23, 23.115, 113.245, 23.125)),
    );
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toBe(
      'body/properties/level: "ln-south" has children (ln-south-g1, ln-south-g2); it must stay a community',
    );
    expect(res.json().error.issues).toEqual([
      {
        where: 'body',
        path: '/properties/level',
        message: '"ln-south" has children (ln-south-g1, ln-south-g2); it must stay a community',
      },
    ]);
  });

  it('places a new event in a new grid at once, and its ticket there', async () => {
    await send('ln-market', 'before');
    const before = (await core.store.tickets.list({})).tickets;
    expect(before.map((t) => t.gridId)).toEqual(['ln-south-g1']);

    expect((await put('ln-south-g1', shrunkG1)).statusCode).toBe(200);
    const created = await put('ln-south-g3', newG3);
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({
      type: 'Feature',
      properties: { id: 'ln-south-g3', level: 'grid', parent: 'ln-south' },
      geometry: { type: 'MultiPolygon' },
    });
    const located = await app.inject({
      url: `/api/v1/places/locate?lat=${LN_MARKET.lat}&lon=${LN_MARKET.lon}`,
      headers: as('operator'),
    });
    expect(located.json()).toEqual({
      gridId: 'ln-south-g3',
      communityId: 'ln-south',
      streetId: 'lingnan',
      districtId: 'liwan',
    });

    await send('ln-market', 'after');
    const after = (await core.store.tickets.list({})).tickets;
    expect(after).toHaveLength(2);
    expect(after.find((t) => t.id !== before[0]?.id)).toMatchObject({
      gridId: 'ln-south-g3',
      communityId: 'ln-south',
    });
    const listed = await app.inject({ url: '/api/v1/places?level=grid', headers: as('operator') });
    expect(listed.json().features.map((f: { properties: { id: string } }) => f.properties.id)).toContain(
      'ln-south-g3',
    );
  });

  it('refuses to remove a place with children or open tickets, naming them', async () => {
    const community = await del('ln-south');
    expect(community.statusCode).toBe(409);
    expect(community.json().error).toMatchObject({
      code: 'PLACE_IN_USE',
      children: ['ln-south-g1', 'ln-south-g2', 'ln-south-g3'],
    });
    expect(community.json().error.message).toContain(
      'it has children: ln-south-g1, ln-south-g2, ln-south-g3',
    );

    const open = (await core.store.tickets.list({ place: 'ln-south-g3' })).tickets;
    expect(open).toHaveLength(1);
    const grid = await del('ln-south-g3');
    expect(grid.statusCode).toBe(409);
    expect(grid.json().error).toMatchObject({
      code: 'PLACE_IN_USE',
      children: [],
      openTickets: [open[0]?.id],
    });
    expect(grid.json().error.message).toBe(
      `cannot remove "ln-south-g3": open tickets belong to it: ${open[0]?.id}`,
    );
    expect(core.places.get('ln-south-g3')).toBeDefined();
    expect((await del('nowhere')).statusCode).toBe(404);
  });

  it('removes a place nothing depends on, at once', async () => {
    expect((await del('rm-south-g2')).statusCode).toBe(204);
    expect(
      (await app.inject({ url: '/api/v1/places/rm-south-g2', headers: as('operator') })).statusCode,
    ).toBe(404);
    expect(core.places.locate([113.256, 23.12])).toMatchObject({
      gridId: undefined,
      communityId: 'rm-south',
    });
  });

  it('keeps the edits over the file across a restart', async () => {
    await app.close();
    await db.close();
    db = await storage.open();
    ({ core, app } = await startInstance(db));
    expect(core.places.get('ln-south-g3')).toMatchObject({ level: 'grid', parent: 'ln-south' });
    expect(core.places.get('rm-south-g2')).toBeUndefined();
    expect(core.places.locate([LN_MARKET.lon, LN_MARKET.lat]).gridId).toBe('ln-south-g3');
    expect(core.places.locate([113.231, 23.12]).gridId).toBe('ln-south-g1');
    // The edits came from the database: a registry of the files alone has none of them.
    const files = await fixturePlaces();
    expect(files.get('ln-south-g3')).toBeUndefined();
    expect(files.get('rm-south-g2')).toBeDefined();

    await send('ln-market', 'restarted');
    const tickets = (await core.store.tickets.list({ place: 'ln-south-g3' })).tickets;
    expect(tickets).toHaveLength(2);
  });

  it('checks an edit against what other instances on the database saved', async () => {
    const other = await startInstance(db);
    try {
      const back = feature('grid', 'rm-south grid 2', 'rm-south', rect(113.2525, 23.115, 113.26, 23.125));
      expect((await put('rm-south-g2', back)).statusCode).toBe(201);
      expect(other.core.places.get('rm-south-g2')).toBeUndefined();
      const refused = await other.app.inject({
        method: 'DELETE',
        url: '/api/v1/places/rm-south',
        headers: as('admin'),
      });
      expect(refused.statusCode).toBe(409);
      expect(refused.json().error.children).toEqual(['rm-south-g1', 'rm-south-g2']);
      expect(other.core.places.get('rm-south-g2')).toBeDefined();
    } finally {
      await other.app.close();
    }
  });

  it('refuses to start when the saved edits no longer fit the file, naming the place', async () => {
    // As if a new grid file had a grid under a community an admin removed.
    await openCloudStore(db).places.save({ placeId: 'ln-north', place: null }, 'admin', new Date());
    await expect(
      new PlaceService(openCloudStore(db), await fixturePlaces()).applyStoredEdits(),
    ).rejects.toMatchObject({
      code: 'PLACES_INVALID',
      message: expect.stringContaining('grid "ln-north-g1" needs a parent community; "ln-north" is not one'),
    });
  });
});
