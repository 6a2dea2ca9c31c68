import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ConfigError } from '../../edge/config/config-error.ts';
import { loadEdgeConfig, parseEdgeConfig } from '../../edge/config/load-edge-config.ts';

const BASE = { edgeId: 'edge-1', cameras: [{ id: 'gate', source: { url: 'rtsp://cam/gate' } }] };
const DRONE = { inbox: 'flights/inbox', areas: [{ id: 'a', baseline: 'areas/a' }] };

function problems(drone: unknown): string[] {
  try {
    parseEdgeConfig(stringify({ ...BASE, drone }), 'edge.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message.split('\n');
  }
  throw new Error('expected the config to be refused');
}

describe('edge config: the drone section', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'edge-config-drone-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('is absent unless given, and takes the flight defaults when given', () => {
    expect(parseEdgeConfig(stringify(BASE), 'edge.yaml').drone).toBeUndefined();
    const { drone } = parseEdgeConfig(stringify({ ...BASE, drone: DRONE }), 'edge.yaml');
    expect(drone).toMatchObject({
      model: 'nanodet-g-backbone',
      settleSeconds: 5,
      pollSeconds: 2,
      registration: { detector: 'orb', minInliers: 40 },
      detection: { method: 'deep' },
    });
    expect(drone?.uploadDir).toBeUndefined();
  });

  it("resolves its paths against the config file's folder", async () => {
    const file = path.join(dir, 'edge.yaml');
    await writeFile(
      file,
      stringify({
        ...BASE,
        drone: {
          ...DRONE,
          uploadDir: 'uploads',
          model: 'models/backbone/manifest.json',
          areas: [{ id: 'a', baseline: 'areas/a', permitted: 'permits.geojson' }],
        },
      }),
    );
    const { drone } = await loadEdgeConfig(file);
    expect(drone?.inbox).toBe(path.join(dir, 'flights', 'inbox'));
    expect(drone?.uploadDir).toBe(path.join(dir, 'uploads'));
    expect(drone?.model).toBe(path.join(dir, 'models', 'backbone', 'manifest.json'));
    expect(drone?.areas[0]?.baseline).toBe(path.join(dir, 'areas', 'a'));
    expect(drone?.areas[0]?.permitted).toBe(path.join(dir, 'permits.geojson'));
    expect(Object.isFrozen(drone?.areas[0])).toBe(true);
  });

  it('names the field at fault: a misspelt key, a missing inbox, an edgeId of its own, a repeated area', () => {
    expect(problems({ ...DRONE, areas: [{ id: 'a', baseline: 'b', permited: 'p' }] })).toContainEqual(
      expect.stringMatching(
        /^edge\.yaml: drone\.areas\[0\]: unknown field "permited" \(did you mean "permitted"\?\)/,
      ),
    );
    expect(problems({ areas: DRONE.areas })).toContain('edge.yaml: drone.inbox: required');
    expect(problems({ ...DRONE, edgeId: 'x' })).toContainEqual(
      expect.stringMatching(/^edge\.yaml: drone: unknown field "edgeId"/),
    );
    expect(
      problems({
        ...DRONE,
        areas: [
          { id: 'a', baseline: 'b' },
          { id: 'a', baseline: 'c' },
        ],
      }),
    ).toContain('edge.yaml: drone.areas[1].id: area id "a" is used twice');
  });
});
