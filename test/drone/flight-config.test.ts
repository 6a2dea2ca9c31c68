import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFlightConfig } from '../../edge/drone/flight-config.ts';
import { PermittedRegistry } from '../../edge/drone/permitted-registry.ts';
import { describeError, EdgeError } from '../../edge/errors.ts';

describe('flight config and permit registry', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'drone-config-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('resolves paths from the config file and fills the defaults', async () => {
    const config = await loadFlightConfig('fixtures/drone/flight.yaml');
    expect(config.areas[0]?.baseline).toBe(path.resolve('fixtures/drone/areas/liwan-aero1/baseline'));
    expect(config.areas[0]?.permitted).toBe(path.resolve('fixtures/drone/permitted-structures.geojson'));
    expect(config.registration.minInliers).toBe(40);
    expect(config.detection.method).toBe('deep');
  });

  it('names the field at fault: a misspelt key, a bad id, a duplicate area', async () => {
    const file = path.join(dir, 'bad.yaml');
    await writeFile(
      file,
      'edgeId: hub-1\nareas:\n  - id: Area One\n    baseline: b\n    permited: p.geojson\n',
    );
    const error = await loadFlightConfig(file).catch((e: Error) => e);
    expect(error).toBeInstanceOf(EdgeError);
    const described = describeError(error);
    expect(described).toMatch(/^FLIGHT_CONFIG_INVALID: .*bad\.yaml/);
    expect(described).toContain(`${file}: areas[0]: unknown field "permited" (did you mean "permitted"?)`);
    expect(described).toContain(`${file}: areas[0].id: lower-case letters`);
    await writeFile(file, 'edgeId: hub-1\nareas:\n  - { id: a, baseline: b }\n  - { id: a, baseline: c }\n');
    await expect(loadFlightConfig(file)).rejects.toThrow(/area id "a" is used twice/);
    await expect(loadFlightConfig(path.join(dir, 'none.yaml'))).rejects.toMatchObject({
      code: 'FLIGHT_CONFIG_NOT_FOUND',
    });
  });

  it('refuses a registry that is not polygons, and honours holes', async () => {
    const file = path.join(dir, 'permits.geojson');
    await writeFile(
      file,
      JSON.stringify({
        type: 'FeatureCollection',
        features: [{ type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: [1, 2] } }],
      }),
    );
    await expect(PermittedRegistry.load(file)).rejects.toMatchObject({
      code: 'FLIGHT_PERMITTED_INVALID',
      message: expect.stringMatching(/permits\.geojson[\s\S]*geometry/),
    });
    const square = (a: number, b: number) => [
      [a, a],
      [b, a],
      [b, b],
      [a, b],
      [a, a],
    ];
    await writeFile(
      file,
      JSON.stringify({
        type: 'FeatureCollection',
        features: [
          {
            type: 'Feature',
            properties: { id: 'yard' },
            geometry: { type: 'Polygon', coordinates: [square(0, 10), square(4, 6)] },
          },
        ],
      }),
    );
    const registry = await PermittedRegistry.load(file);
    expect(registry.permitAt(2, 2)).toBe('yard');
    expect(registry.permitAt(5, 5)).toBeUndefined();
    expect(registry.permitAt(11, 5)).toBeUndefined();
  });
});
