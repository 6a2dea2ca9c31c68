import { describe, expect, it } from 'vitest';
import { CorridorArea, PolygonArea } from '../../foundation/geometry/lon-lat-areas.ts';

/** An L-shaped site: the box 113.00–113.02 × 22.00–22.02 less its north-east quarter (the notch). */
const L_SITE = new PolygonArea([
  [113.0, 22.0],
  [113.02, 22.0],
  [113.02, 22.01],
  [113.01, 22.01],
  [113.01, 22.02],
  [113.0, 22.02],
]);

describe('areas on lon/lat', () => {
  it('a concave polygon (an L-shaped site) contains its arms but not the notch', () => {
    expect(L_SITE.contains(113.015, 22.005)).toBe(true); // lower arm
    expect(L_SITE.contains(113.005, 22.015)).toBe(true); // upper arm
    expect(L_SITE.contains(113.015, 22.015)).toBe(false); // the notch
    expect(L_SITE.contains(113.005, 22.03)).toBe(false); // outside the box
  });

  it("counts a point on the boundary as inside: an edge, a corner, the notch's edges", () => {
    expect(L_SITE.contains(113.02, 22.005)).toBe(true); // right edge (plain ray casting says out)
    expect(L_SITE.contains(113.01, 22.02)).toBe(true); // a corner
    expect(L_SITE.contains(113.015, 22.01)).toBe(true); // the notch's floor
    expect(L_SITE.contains(113.01, 22.015)).toBe(true); // the notch's wall
    expect(L_SITE.contains(113.0201, 22.005)).toBe(false);
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
    expect(route.distance(113.37, north(50))).toBeCloseTo(50, 0);
    expect(route.contains(113.37, north(55))).toBe(true);
    expect(route.contains(113.37, north(65))).toBe(false);
    // Past the path's end, distance is to the end point.
    expect(route.distance(113.36 - 100 / 102_250, 22.93)).toBeCloseTo(100, -1);
    expect(route.contains(113.39, 22.94)).toBe(true); // on the diagonal leg
  });
});
