import { describe, expect, it } from 'vitest';
import { objectInZone, type PixelZone, zoneToPixels } from '../../edge/zones/zone-filter.ts';
import type { ZoneConfig } from '../../edge/zones/zone-schema.ts';
import type { Box } from '../../foundation/media/frame.ts';

const W = 1000;
const H = 500;
/** A zone over the lower half of the frame: pixels x 0..1000, y 250..500. */
const LOWER_HALF: ZoneConfig = {
  name: 'pavement',
  points: [
    [0, 0.5],
    [1, 0.5],
    [1, 1],
    [0, 1],
  ],
  filters: {},
};

/** The lower half, or the outline of normalised x, y pairs given, in pixels with these filters. */
function zone(filters: ZoneConfig['filters'] = {}, ...xy: number[]): PixelZone {
  const points =
    xy.length === 0
      ? LOWER_HALF.points
      : Array.from({ length: xy.length / 2 }, (_, i): [number, number] => [
          xy[2 * i] ?? 0,
          xy[2 * i + 1] ?? 0,
        ]);
  return zoneToPixels({ ...LOWER_HALF, points, filters }, W, H);
}

describe('objectInZone: the bottom-centre rule', () => {
  it('a tall person whose head is in the zone but whose feet are outside is NOT in it', () => {
    // A zone over the upper half, and a person standing below it with their head reaching into it.
    const upper = zone({}, 0, 0, 1, 0, 1, 0.5, 0, 0.5);
    const tallPerson: Box = [480, 150, 520, 400]; // head at y 150 (in), feet at y 400 (out)
    expect(objectInZone(tallPerson, 0.9, 'person', upper, W, H)).toBe(false);
  });

  it('a person whose feet are in the zone is in it, even with most of the body outside', () => {
    const person: Box = [480, 60, 520, 260]; // feet at y 260, just inside
    expect(objectInZone(person, 0.9, 'person', zone(), W, H)).toBe(true);
  });

  it('feet exactly on the zone edge count as in', () => {
    expect(objectInZone([480, 100, 520, 250], 0.9, 'person', zone(), W, H)).toBe(true);
  });

  it('a box overlapping the zone sideways is decided by its bottom-centre only', () => {
    const triangle = zone({}, 0, 0, 0.5, 1, 0, 1);
    // In pixels the triangle's slanted edge runs from (0, 0) to (500, 500): inside is x ≤ y.
    // Bottom centre (300, 400): inside. A wide box over the edge, bottom centre (450, 400): outside.
    expect(objectInZone([250, 300, 350, 400], 0.9, 'person', triangle, W, H)).toBe(true);
    expect(objectInZone([100, 300, 800, 400], 0.9, 'person', triangle, W, H)).toBe(false);
  });
});

describe('objectInZone: filters', () => {
  const person: Box = [480, 300, 520, 400]; // 40 × 100 = 4000 px² = 0.008 of the frame; feet in

  it('labels: only the listed labels count', () => {
    const z = zone({ labels: ['person', 'bicycle'] });
    expect(objectInZone(person, 0.9, 'person', z, W, H)).toBe(true);
    expect(objectInZone(person, 0.9, 'bicycle', z, W, H)).toBe(true);
    expect(objectInZone(person, 0.9, 'car', z, W, H)).toBe(false);
    expect(objectInZone(person, 0.9, 'car', zone(), W, H)).toBe(true); // no labels filter: any
  });

  it('minScore: scores below it do not count, the bound itself does', () => {
    const z = zone({ minScore: 0.5 });
    expect(objectInZone(person, 0.49, 'person', z, W, H)).toBe(false);
    expect(objectInZone(person, 0.5, 'person', z, W, H)).toBe(true);
  });

  it('minArea and maxArea: box area as a fraction of the frame, bounds included', () => {
    expect(objectInZone(person, 0.9, 'person', zone({ minArea: 0.01 }), W, H)).toBe(false);
    expect(objectInZone(person, 0.9, 'person', zone({ minArea: 0.008 }), W, H)).toBe(true);
    expect(objectInZone(person, 0.9, 'person', zone({ maxArea: 0.005 }), W, H)).toBe(false);
    expect(objectInZone(person, 0.9, 'person', zone({ maxArea: 0.008 }), W, H)).toBe(true);
    const band = zone({ minArea: 0.001, maxArea: 0.05 });
    expect(objectInZone(person, 0.9, 'person', band, W, H)).toBe(true);
    expect(objectInZone([0, 260, 1000, 500], 0.9, 'person', band, W, H)).toBe(false); // huge box
  });

  it('the filters do not rescue an object that stands outside', () => {
    const z = zone({ labels: ['person'], minScore: 0.1 });
    expect(objectInZone([480, 100, 520, 200], 0.99, 'person', z, W, H)).toBe(false);
  });
});

describe('zoneToPixels', () => {
  it('scales the outline and keeps the name and filters', () => {
    const z = zoneToPixels({ ...LOWER_HALF, filters: { minScore: 0.3 } }, W, H);
    expect(z.name).toBe('pavement');
    expect(z.filters).toEqual({ minScore: 0.3 });
    expect(z.points).toEqual([
      [0, 250],
      [1000, 250],
      [1000, 500],
      [0, 500],
    ]);
  });
});
