import { describe, expect, it } from 'vitest';
import type { Point } from '../../foundation/geometry/image-plane.ts';
import { polygonIou, rasterise } from '../../foundation/geometry/polygon-mask.ts';

const square = (x: number, y: number, size: number): Point[] => [
  [x, y],
  [x + size, y],
  [x + size, y + size],
  [x, y + size],
];

describe('rasterise and polygonIou', () => {
  it('fills the pixels whose centres are inside', () => {
    const mask = rasterise(square(1, 1, 2), 4, 4);
    expect([...mask]).toEqual([0, 0, 0, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0]);
  });

  it('a pixel centre on the boundary is inside (the edge rule)', () => {
    const mask = rasterise(square(0.5, 0.5, 1), 3, 3);
    expect([...mask]).toEqual([1, 1, 0, 1, 1, 0, 0, 0, 0]);
  });

  it('IoU is 1 for the same polygon, 0 apart, and overlap / union between', () => {
    expect(polygonIou(square(0, 0, 10), square(0, 0, 10))).toBe(1);
    expect(polygonIou(square(0, 0, 10), square(20, 20, 10))).toBe(0);
    expect(polygonIou(square(0, 0, 10), square(5, 0, 10))).toBeCloseTo(50 / 150, 6);
  });
});
