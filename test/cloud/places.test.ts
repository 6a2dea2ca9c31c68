import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPlaces } from '../../cloud/places/load-places.ts';
import { FIXTURE_DIR, fixturePlaces } from './support/fixtures.ts';

describe('the fixture district', () => {
  it('places a point in its grid, community, street and district', async () => {
    const places = await fixturePlaces();
    expect(places.locate([113.236, 23.12])).toEqual({
      gridId: 'ln-south-g1',
      communityId: 'ln-south',
      streetId: 'lingnan',
      districtId: 'liwan',
    });
    expect(places.locate([113.255, 23.13])).toMatchObject({ gridId: 'rm-north-g2', streetId: 'renmin' });
    expect(places.locate([113.3, 23.13])).toEqual({
      gridId: undefined,
      communityId: undefined,
      streetId: undefined,
      districtId: undefined,
    });
  });

  it("puts the Lingnan boundary camera's incidents where it looks: in Renmin street", async () => {
    const places = await fixturePlaces();
    const camera = places.camera('lingnan-hub', 'ln-boundary');
    expect(camera).toBeDefined();
    if (!camera) return;
    expect(places.locate([camera.lon, camera.lat]).streetId).toBe('lingnan');
    expect(places.locate(places.viewPoint(camera)).streetId).toBe('renmin');
  });
});

describe('bad place files', () => {
  const write = (name: string, content: unknown) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloud-places-'));
    const file = path.join(dir, name);
    fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
    return file;
  };
  const cameras = path.join(FIXTURE_DIR, 'cameras.yaml');
  const feature = (id: string, level: string, parent?: string) => ({
    type: 'Feature',
    properties: { id, level, name: id, ...(parent ? { parent } : {}) },
    geometry: {
      type: 'Polygon',
      coordinates: [
        [
          [0, 0],
          [1, 0],
          [1, 1],
          [0, 0],
        ],
      ],
    },
  });

  it('names a grid whose parent is missing or of the wrong level', async () => {
    const file = write('g.geojson', {
      type: 'FeatureCollection',
      features: [feature('d', 'district'), feature('s', 'street', 'd'), feature('g', 'grid', 's')],
    });
    await expect(loadPlaces(file, cameras)).rejects.toMatchObject({
      code: 'PLACES_INVALID',
      message: expect.stringContaining('grid "g" has parent "s", a street, not a community'),
    });
  });

  it('names the field at fault in a malformed feature', async () => {
    const bad = feature('d', 'district');
    const ring = bad.geometry.coordinates[0];
    if (ring) ring[1] = [200, 0];
    const file = write('g.geojson', { type: 'FeatureCollection', features: [bad] });
    await expect(loadPlaces(file, cameras)).rejects.toMatchObject({
      code: 'PLACES_INVALID',
      message: expect.stringContaining('features[0].geometry.coordinates[0][1][0]'),
    });
  });

  it('says which file is missing', async () => {
    await expect(loadPlaces('/nonexistent/g.geojson', cameras)).rejects.toMatchObject({
      code: 'CONFIG_NOT_FOUND',
      message: '/nonexistent/g.geojson: file not found',
    });
  });
});
