import { describe, expect, it } from 'vitest';
import { iou, nonMaxSuppression } from '../../edge/detect/nms.ts';
import type { Candidate } from '../../edge/detect/types.ts';

function box(classId: number, score: number, x1: number, y1: number, x2: number, y2: number): Candidate {
  return { classId, score, x1, y1, x2, y2 };
}

describe('iou', () => {
  it('is 1 for identical boxes, 0 for disjoint or touching ones', () => {
    const a = { x1: 0, y1: 0, x2: 10, y2: 10 };
    expect(iou(a, a)).toBe(1);
    expect(iou(a, { x1: 10, y1: 0, x2: 20, y2: 10 })).toBe(0);
    expect(iou(a, { x1: 20, y1: 20, x2: 30, y2: 30 })).toBe(0);
  });

  it('is intersection over union for partial overlap', () => {
    // intersection 5 x 10 = 50, union 100 + 100 - 50 = 150
    expect(iou({ x1: 0, y1: 0, x2: 10, y2: 10 }, { x1: 5, y1: 0, x2: 15, y2: 10 })).toBeCloseTo(1 / 3, 9);
  });

  it('is 0 for degenerate boxes', () => {
    const point = { x1: 5, y1: 5, x2: 5, y2: 5 };
    expect(iou(point, point)).toBe(0);
  });
});

describe('nonMaxSuppression', () => {
  it('collapses overlapping same-class boxes to the best one', () => {
    const best = box(0, 0.9, 1, 1, 11, 11);
    const kept = nonMaxSuppression([box(0, 0.7, 0, 0, 10, 10), best, box(0, 0.8, 2, 0, 12, 10)], 0.5, 100);
    expect(kept).toEqual([best]);
  });

  it('keeps same-class boxes whose overlap is at or below the threshold', () => {
    const a = box(0, 0.9, 0, 0, 10, 10);
    const b = box(0, 0.8, 5, 0, 15, 10);
    expect(nonMaxSuppression([a, b], 0.5, 100)).toEqual([a, b]);
    expect(nonMaxSuppression([a, b], 0.3, 100)).toEqual([a]);
  });

  it('keeps overlapping boxes of different classes', () => {
    const person = box(0, 0.6, 0, 0, 10, 10);
    const bicycle = box(1, 0.9, 0, 0, 10, 10);
    expect(nonMaxSuppression([person, bicycle], 0.5, 100)).toEqual([bicycle, person]);
  });

  it('returns results sorted by score without changing the input', () => {
    const input = [box(0, 0.1, 0, 0, 1, 1), box(0, 0.5, 10, 10, 11, 11), box(0, 0.3, 20, 20, 21, 21)];
    const copy = [...input];
    expect(nonMaxSuppression(input, 0.5, 100).map((c) => c.score)).toEqual([0.5, 0.3, 0.1]);
    expect(input).toEqual(copy);
  });

  it('stops at maxDetections, keeping the best', () => {
    const input = Array.from({ length: 10 }, (_, i) => box(0, i / 10, i * 20, 0, i * 20 + 10, 10));
    const kept = nonMaxSuppression(input, 0.5, 3);
    expect(kept.map((c) => c.score)).toEqual([0.9, 0.8, 0.7]);
    expect(nonMaxSuppression(input, 0.5, 0)).toEqual([]);
  });

  it('has no hidden cap: 500 separate boxes all survive', () => {
    const input = Array.from({ length: 500 }, (_, i) => {
      const x = (i % 25) * 20;
      const y = Math.floor(i / 25) * 20;
      return box(i % 3, 0.5 + i / 2000, x, y, x + 10, y + 10);
    });
    expect(nonMaxSuppression(input, 0.5, 1000)).toHaveLength(500);
  });

  it('handles an empty input', () => {
    expect(nonMaxSuppression([], 0.5, 10)).toEqual([]);
  });
});
