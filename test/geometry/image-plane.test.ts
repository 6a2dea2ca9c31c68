import { describe, expect, it } from 'vitest';
import {
  bottomCentre,
  boundingBox,
  boxArea,
  locatePoint,
  type Point,
  pointInPolygon,
  polygonArea,
  polygonCentroid,
  segmentsIntersect,
  sideOfLine,
  toPixels,
} from '../../foundation/geometry/image-plane.ts';

/** A "C" opening to the right: a concave polygon with a notch from x 0.4 to 1, y 0.4 to 0.6. */
const C_SHAPE: Point[] = [
  [0.1, 0.1],
  [0.9, 0.1],
  [0.9, 0.4],
  [0.4, 0.4],
  [0.4, 0.6],
  [0.9, 0.6],
  [0.9, 0.9],
  [0.1, 0.9],
];
const SQUARE: Point[] = [
  [0.2, 0.2],
  [0.8, 0.2],
  [0.8, 0.8],
  [0.2, 0.8],
];

describe('pointInPolygon', () => {
  it('tells inside from outside in a concave polygon', () => {
    expect(pointInPolygon(0.2, 0.5, C_SHAPE)).toBe(true); // the spine
    expect(pointInPolygon(0.7, 0.2, C_SHAPE)).toBe(true); // upper arm
    expect(pointInPolygon(0.7, 0.8, C_SHAPE)).toBe(true); // lower arm
    expect(pointInPolygon(0.7, 0.5, C_SHAPE)).toBe(false); // in the notch
    expect(pointInPolygon(0.95, 0.5, C_SHAPE)).toBe(false); // right of the notch
    // A ray from the notch's level passes through the reflex corners' y: counted once each.
    expect(pointInPolygon(0.05, 0.4, C_SHAPE)).toBe(false);
    expect(pointInPolygon(0.3, 0.4, C_SHAPE)).toBe(true);
  });

  it('is false outside, in every direction', () => {
    for (const [x, y] of [
      [0.1, 0.5],
      [0.9, 0.5],
      [0.5, 0.1],
      [0.5, 0.9],
      [-1, -1],
      [2, 2],
    ] as const) {
      expect(pointInPolygon(x, y, SQUARE)).toBe(false);
    }
  });

  it('counts points on the boundary as inside: every edge, every corner', () => {
    expect(pointInPolygon(0.2, 0.5, SQUARE)).toBe(true); // left edge
    expect(pointInPolygon(0.8, 0.5, SQUARE)).toBe(true); // right edge (plain ray casting says out)
    expect(pointInPolygon(0.5, 0.2, SQUARE)).toBe(true); // top edge
    expect(pointInPolygon(0.5, 0.8, SQUARE)).toBe(true); // bottom edge (plain ray casting says out)
    for (const [x, y] of SQUARE) expect(pointInPolygon(x, y, SQUARE)).toBe(true);
    expect(pointInPolygon(0.4, 0.5, C_SHAPE)).toBe(true); // the notch's inner edge
    expect(pointInPolygon(0.65, 0.4, C_SHAPE)).toBe(true); // the notch's upper edge
  });

  it('counts a point on a slanted edge as inside despite float rounding', () => {
    const triangle = toPixels(
      [
        [0.1, 0.1],
        [0.9, 0.3],
        [0.3, 0.9],
      ],
      768,
      576,
    );
    // Midpoint of the slanted edge from (0.9, 0.3) to (0.3, 0.9), in pixels.
    expect(pointInPolygon(0.6 * 768, 0.6 * 576, triangle)).toBe(true);
    expect(pointInPolygon(0.6 * 768 + 0.01, 0.6 * 576, triangle)).toBe(false);
  });

  it('works with either winding and is never true below 3 points', () => {
    expect(pointInPolygon(0.5, 0.5, [...SQUARE].reverse())).toBe(true);
    expect(pointInPolygon(0.5, 0.5, SQUARE.slice(0, 2))).toBe(false);
  });
});

describe('locatePoint', () => {
  it('tells the boundary from inside and outside, on a closed ring too', () => {
    expect(locatePoint(0.5, 0.5, SQUARE)).toBe('inside');
    expect(locatePoint(0.8, 0.5, SQUARE)).toBe('boundary');
    expect(locatePoint(0.2, 0.2, SQUARE)).toBe('boundary');
    expect(locatePoint(0.9, 0.5, SQUARE)).toBe('outside');
    const closed = [...SQUARE, SQUARE[0] as Point];
    expect(locatePoint(0.5, 0.5, closed)).toBe('inside');
    expect(locatePoint(0.5, 0.8, closed)).toBe('boundary');
  });
});

describe('boxes and areas', () => {
  it('bottomCentre is the middle of the bottom edge (y grows downwards)', () => {
    expect(bottomCentre([100, 50, 140, 250])).toEqual([120, 250]);
  });

  it('bottomCentre writes into out when given', () => {
    const out: [number, number] = [0, 0];
    expect(bottomCentre([0, 0, 10, 20], out)).toBe(out);
    expect(out).toEqual([5, 20]);
  });

  it('boxArea is width × height, 0 for an empty or inverted box', () => {
    expect(boxArea([10, 20, 30, 60])).toBe(800);
    expect(boxArea([10, 20, 10, 60])).toBe(0);
    expect(boxArea([30, 20, 10, 60])).toBe(0);
  });

  it('polygonArea by shoelace, either winding', () => {
    expect(polygonArea(SQUARE)).toBeCloseTo(0.36, 12);
    expect(polygonArea([...SQUARE].reverse())).toBeCloseTo(0.36, 12);
    expect(polygonArea(C_SHAPE)).toBeCloseTo(0.64 - 0.5 * 0.2, 12);
    expect(polygonArea(SQUARE.slice(0, 2))).toBe(0);
  });

  it('toPixels scales x by width and y by height', () => {
    expect(toPixels(SQUARE, 100, 50)).toEqual([
      [20, 10],
      [80, 10],
      [80, 40],
      [20, 40],
    ]);
  });
});

describe('segmentsIntersect', () => {
  it('is true for a proper crossing, false for parallel or apart', () => {
    expect(segmentsIntersect([0, 0], [1, 1], [0, 1], [1, 0])).toBe(true);
    expect(segmentsIntersect([0, 0], [1, 0], [0, 1], [1, 1])).toBe(false);
    expect(segmentsIntersect([0, 0], [1, 1], [2, 0], [3, -1])).toBe(false);
    // On the same line through each other's extension, but not reaching.
    expect(segmentsIntersect([0, 0], [1, 0], [0.5, 1], [0.5, 0.1])).toBe(false);
  });

  it('is true when one touches the other or they overlap on a line', () => {
    expect(segmentsIntersect([0, 0], [1, 0], [0.5, 0], [0.5, 1])).toBe(true); // T
    expect(segmentsIntersect([0, 0], [1, 0], [1, 0], [2, 1])).toBe(true); // shared end
    expect(segmentsIntersect([0, 0], [1, 0], [0.5, 0], [2, 0])).toBe(true); // overlap
    expect(segmentsIntersect([0, 0], [1, 0], [1.5, 0], [2, 0])).toBe(false); // collinear, apart
  });
});

describe('sideOfLine and line crossing', () => {
  const a: Point = [0.5, 0];
  const b: Point = [0.5, 1];

  it('is 1 right of a→b on screen, -1 left, 0 on the line', () => {
    // Walking from a (top) to b (bottom) down the screen, your right hand points to screen-left.
    expect(sideOfLine([0.2, 0.5], a, b)).toBe(1);
    expect(sideOfLine([0.8, 0.5], a, b)).toBe(-1);
    expect(sideOfLine([0.5, 0.3], a, b)).toBe(0);
    expect(sideOfLine([0.5, 5], a, b)).toBe(0); // on the line's extension
    // A horizontal line pointing right: below it on screen is its right.
    expect(sideOfLine([0.5, 0.9], [0, 0.5], [1, 0.5])).toBe(1);
    expect(sideOfLine([0.5, 0.1], [0, 0.5], [1, 0.5])).toBe(-1);
  });

  it('sees a track crossing as a change of side, ignoring steps on the line', () => {
    const track: Point[] = [
      [0.9, 0.5],
      [0.7, 0.5],
      [0.5, 0.5], // on the line: not a crossing yet
      [0.3, 0.5], // crossed, -1 → 1
      [0.4, 0.5],
      [0.6, 0.5], // crossed back, 1 → -1
    ];
    const crossings: string[] = [];
    let last = 0;
    for (const p of track) {
      const side = sideOfLine(p, a, b);
      if (side !== 0 && last !== 0 && side !== last) crossings.push(`${last}→${side}`);
      if (side !== 0) last = side;
    }
    expect(crossings).toEqual(['-1→1', '1→-1']);
  });

  it('tells crossing the segment from passing beside its end', () => {
    const gateA: Point = [0.4, 0.4];
    const gateB: Point = [0.6, 0.4];
    const from: Point = [0.5, 0.3];
    const to: Point = [0.5, 0.5];
    expect(sideOfLine(from, gateA, gateB)).not.toBe(sideOfLine(to, gateA, gateB));
    expect(segmentsIntersect(from, to, gateA, gateB)).toBe(true);
    // The same side change beside the gate: the extension is crossed, the segment is not.
    expect(sideOfLine([0.9, 0.3], gateA, gateB)).not.toBe(sideOfLine([0.9, 0.5], gateA, gateB));
    expect(segmentsIntersect([0.9, 0.3], [0.9, 0.5], gateA, gateB)).toBe(false);
  });
});

describe('polygonCentroid and boundingBox', () => {
  it('weighs the centroid by area, either winding; the mean of the corners when flat', () => {
    expect(polygonCentroid(SQUARE)[0]).toBeCloseTo(0.5, 12);
    expect(polygonCentroid(SQUARE)[1]).toBeCloseTo(0.5, 12);
    expect(polygonCentroid([...SQUARE].reverse())[0]).toBeCloseTo(0.5, 12);
    // The C is its square less the notch: (0.64 × 0.5 − 0.1 × 0.65) / 0.54 across, 0.5 down.
    const [cx, cy] = polygonCentroid(C_SHAPE);
    expect(cx).toBeCloseTo(0.255 / 0.54, 12);
    expect(cy).toBeCloseTo(0.5, 12);
    expect(
      polygonCentroid([
        [0, 0],
        [1, 1],
        [2, 2],
      ]),
    ).toEqual([1, 1]);
  });

  it('boundingBox is [minX, minY, maxX, maxY]', () => {
    expect(boundingBox(C_SHAPE)).toEqual([0.1, 0.1, 0.9, 0.9]);
  });
});
