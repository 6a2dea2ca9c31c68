import { describe, expect, it } from 'vitest';
import {
  boxContains,
  distanceMeters,
  LocalPlane,
  meanPoint,
  pointInPolygon,
  ringCentroid,
} from '../../foundation/geometry/lon-lat.ts';
import { closedBox } from './rings.ts';

/** A 10 × 10 square with a 2 × 2 hole in the middle. */
const SQUARE_WITH_HOLE = [closedBox(0, 0, 10, 10), closedBox(4, 4, 6, 6)];

describe('pointInPolygon on lon/lat rings', () => {
  it('tells inside, outside and inside a hole apart', () => {
    expect(pointInPolygon([1, 1], SQUARE_WITH_HOLE)).toBe(true);
    expect(pointInPolygon([11, 1], SQUARE_WITH_HOLE)).toBe(false);
    expect(pointInPolygon([5, 5], SQUARE_WITH_HOLE)).toBe(false);
  });

  it('counts a point on the boundary as inside: outer edges and corners, and a hole’s edges', () => {
    expect(pointInPolygon([10, 5], SQUARE_WITH_HOLE)).toBe(true); // right edge (plain ray casting says out)
    expect(pointInPolygon([5, 10], SQUARE_WITH_HOLE)).toBe(true); // top edge
    expect(pointInPolygon([0, 5], SQUARE_WITH_HOLE)).toBe(true); // left edge
    expect(pointInPolygon([10, 10], SQUARE_WITH_HOLE)).toBe(true); // a corner
    expect(pointInPolygon([6, 5], SQUARE_WITH_HOLE)).toBe(true); // the hole's right edge
    expect(pointInPolygon([4, 4], SQUARE_WITH_HOLE)).toBe(true); // the hole's corner
    expect(pointInPolygon([10.000001, 5], SQUARE_WITH_HOLE)).toBe(false);
  });

  it('is false for a polygon without rings', () => {
    expect(pointInPolygon([0, 0], [])).toBe(false);
  });
});

describe('boxes, distances and centres', () => {
  it('boxContains includes the box edges', () => {
    const box = [113, 22, 114, 23] as const;
    expect(boxContains(box, [113.5, 22.5])).toBe(true);
    expect(boxContains(box, [114, 23])).toBe(true);
    expect(boxContains(box, [114.1, 22.5])).toBe(false);
  });

  it('distances on the sphere: a degree of latitude, a degree of longitude at Guangzhou (23.13° N)', () => {
    expect(distanceMeters([113, 22], [113, 23])).toBeCloseTo(111_195, -1);
    expect(distanceMeters([113.24, 23.0], [113.24, 24.0])).toBeCloseTo(111_195, -2);
    // cos(23.13°) of a degree along the parallel (0.007 % short of the great circle).
    expect(distanceMeters([113, 23.13], [114, 23.13])).toBeCloseTo(
      111_195 * Math.cos((23.13 * Math.PI) / 180),
      -1,
    );
  });

  it('ringCentroid weighs by area; meanPoint averages', () => {
    expect(ringCentroid(closedBox(0, 0, 10, 10))).toEqual([5, 5]);
    expect(
      meanPoint([
        [0, 0],
        [2, 4],
      ]),
    ).toEqual([1, 2]);
  });

  it('LocalPlane measures metres east and north of its origin', () => {
    const plane = LocalPlane.around([
      [113, 23],
      [113.02, 23.02],
    ]);
    expect(plane.y(23.01 + 1 / 111_195)).toBeCloseTo(1, 3);
    expect(plane.x(113.01)).toBeCloseTo(0, 6);
  });
});
