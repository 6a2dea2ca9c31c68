import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadEdgeConfig } from '../../edge/config/load-edge-config.ts';
import { scenarioName } from '../../edge/scenarios/registry.ts';
import { objectInZone, zoneToPixels } from '../../edge/zones/zone-filter.ts';
import { pointInPolygon } from '../../foundation/geometry/image-plane.ts';

const FIXTURE = fileURLToPath(new URL('../../fixtures/configs/vtest.yaml', import.meta.url));
const VIDEO = fileURLToPath(new URL('../../fixtures/video/vtest.mp4', import.meta.url));
const WIDTH = 768;
const HEIGHT = 576;

describe('fixtures/configs/vtest.yaml', () => {
  it('loads: one looping camera on the vtest video, its zones and scenarios', async () => {
    const config = await loadEdgeConfig(FIXTURE);
    expect(config.edgeId).toBe('edge-demo');
    expect(config.cameras).toHaveLength(1);
    const camera = config.cameras[0];
    expect(camera?.id).toBe('vtest');
    expect(camera?.source).toMatchObject({ url: VIDEO, loop: true });
    expect(camera?.zones.map((z) => z.name)).toEqual(['road', 'lawn', 'sign', 'crossing', 'parking_bay']);
    expect(camera?.scenarios.map(scenarioName)).toEqual([
      'loitering_road',
      'group_by_sign',
      'gathering_by_sign',
      'loitering_crossing',
      'parking_parking_bay',
      'road_west_counter',
    ]);
    expect(camera?.scenarios[0]).toMatchObject({ type: 'loitering', zone: 'road', minDwellSeconds: 15 });
  });

  it('puts people on the road and the lawn where they are in frame 300', async () => {
    const config = await loadEdgeConfig(FIXTURE);
    const [road, lawn] = (config.cameras[0]?.zones ?? []).map((z) => zoneToPixels(z, WIDTH, HEIGHT));
    if (road === undefined || lawn === undefined) throw new Error('zones missing');
    // Hand-measured boxes in frame 300: people walking on the road.
    const onRoad = [
      [313, 211, 345, 296], // crossing the middle of the road
      [186, 158, 219, 234], // on the left part of the walkway
      [581, 160, 611, 236], // on the right, near the junction
    ] as const;
    for (const box of onRoad) {
      expect(objectInZone([...box], 0.8, 'person', road, WIDTH, HEIGHT)).toBe(true);
      expect(objectInZone([...box], 0.8, 'person', lawn, WIDTH, HEIGHT)).toBe(false);
    }
  });

  it('puts people standing on the grass in frame 600 on the lawn, even with their head over the road', async () => {
    const config = await loadEdgeConfig(FIXTURE);
    const [road, lawn] = (config.cameras[0]?.zones ?? []).map((z) => zoneToPixels(z, WIDTH, HEIGHT));
    if (road === undefined || lawn === undefined) throw new Error('zones missing');
    // Hand-measured boxes in frame 600.
    const byTripod: [number, number, number, number] = [454, 302, 505, 418]; // head over the road, feet on grass
    const foreground: [number, number, number, number] = [284, 430, 332, 576]; // walking on the grass
    const onRoad: [number, number, number, number] = [640, 304, 671, 411]; // standing at the road's edge
    expect(pointInPolygon((454 + 505) / 2, 302, road.points)).toBe(true); // the head is over the road
    for (const box of [byTripod, foreground]) {
      expect(objectInZone(box, 0.8, 'person', lawn, WIDTH, HEIGHT)).toBe(true);
      expect(objectInZone(box, 0.8, 'person', road, WIDTH, HEIGHT)).toBe(false);
    }
    expect(objectInZone(onRoad, 0.8, 'person', road, WIDTH, HEIGHT)).toBe(true);
    expect(objectInZone(onRoad, 0.8, 'person', lawn, WIDTH, HEIGHT)).toBe(false);
  });
});
