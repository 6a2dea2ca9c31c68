import { describe, expect, it } from 'vitest';
import { CorridorArea, distanceMeters, PolygonArea } from '../../iot/geo/geometry.ts';

describe('geometry on lon/lat', () => {
  it('distances on the sphere: a degree of latitude, a degree of longitude at Guangzhou (23.13° N)', () => {
    expect(distanceMeters(22, 113, 23, 113)).toBeCloseTo(111_195, -1);
    // cos(23.13°) of a degree along the parallel (0.007 % short of the great circle).
    expect(distanceMeters(23.13, 113, 23.13, 114)).toBeCloseTo(
      111_195 * Math.cos((23.13 * Math.PI) / 180),
      -1,
    );
  });

  it('a concave polygon (an L-shaped site) contains its arms but not the notch', () => {
    const l = new PolygonArea([
      [113.0, 22.0],
      [113.02, 22.0],
      [113.02, 22.01],
      [113.01, 22.01],
      [113.01, 22.02],
      [113.0, 22.02],
    ]);
    expect(l.contains(22.005, 113.015)).toBe(true); // lower arm
    expect(l.contains(22.015, 113.005)).toBe(true); // upper arm
    expect(l.contains(22.015, 113.015)).toBe(false); // the notch
    expect(l.contains(22.03, 113.005)).toBe(false); // outside the box
  });

  it('a corridor holds points within half its width of the path, measured in metres', () => {
    const route = new CorridorArea(
      [
        [113.36, 22.93],
        [113.38, 22.93],
        [113.4, 22.95],
      ],
      60,
    );
    const north = (metres: number) => 22.93 + metres / 111_195;
    expect(route.distance(north(50), 113.37)).toBeCloseTo(50, 0);
    expect(route.contains(north(55), 113.37)).toBe(true);
    expect(route.contains(north(65), 113.37)).toBe(false);
    // Past the path's end, distance is to the end point.
    expect(route.distance(22.93, 113.36 - 100 / 102_250)).toBeCloseTo(100, -1);
    expect(route.contains(22.94, 113.39)).toBe(true); // on the diagonal leg
  });
});
