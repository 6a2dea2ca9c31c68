import { describe, expect, it } from 'vitest';
import { learnRegions, type Rejection } from '../../foundation/suppression/learn-regions.ts';

type Box = [number, number, number, number];

const CONE: Box = [0.2, 0.32, 0.24, 0.36];

function rejection(n: number, box: Box, overrides: Partial<Rejection> = {}): Rejection {
  const sha = `${String(n).padStart(2, '0')}`.repeat(32);
  return {
    key: `${sha}:0`,
    snapshotSha256: sha,
    eventId: `e${n}`,
    edgeId: 'lingnan-hub',
    cameraId: 'ln-market',
    label: 'person',
    box,
    rejectedAt: new Date(Date.UTC(2026, 10, 21, 4, n)).toISOString(),
    ...overrides,
  };
}

const jitter = (box: Box, d: number): Box => [box[0] + d, box[1] - d, box[2] + d, box[3] - d];

describe('suppression regions learned from "not an object" verdicts', () => {
  it('makes a region once three snapshots rejected a box at the same place, padded around it', () => {
    const regions = learnRegions([
      rejection(1, CONE),
      rejection(2, jitter(CONE, 0.003)),
      rejection(3, jitter(CONE, -0.002)),
    ]);
    expect(regions).toHaveLength(1);
    const [region] = regions;
    expect(region).toMatchObject({ label: 'person', cameraId: 'ln-market', rejections: 3 });
    expect(region?.createdAt).toBe('2026-11-21T04:03:00.000Z');
    expect(region?.sources.map((s) => s.eventId)).toEqual(['e1', 'e2', 'e3']);
    // The place's median box grown by 10 % of its size each way: it holds every rejected box.
    const [x1, y1, x2, y2] = region?.box ?? [];
    expect(x1).toBeLessThan(0.2);
    expect(y1).toBeLessThan(0.32);
    expect(x2).toBeGreaterThan(0.24);
    expect(y2).toBeGreaterThan(0.36);
  });

  it('makes none from two rejections, from three on one snapshot, or from three places', () => {
    expect(learnRegions([rejection(1, CONE), rejection(2, CONE)])).toEqual([]);
    const sameSnapshot = rejection(1, CONE);
    expect(
      learnRegions([
        sameSnapshot,
        { ...sameSnapshot, key: `${sameSnapshot.snapshotSha256}:1` },
        { ...sameSnapshot, key: `${sameSnapshot.snapshotSha256}:2` },
      ]),
    ).toEqual([]);
    expect(
      learnRegions([
        rejection(1, CONE),
        rejection(2, [0.5, 0.5, 0.56, 0.6]),
        rejection(3, [0.7, 0.1, 0.8, 0.2]),
      ]),
    ).toEqual([]);
  });

  it('keeps labels and cameras apart', () => {
    const mixed = [
      rejection(1, CONE),
      rejection(2, CONE, { label: 'bird' }),
      rejection(3, CONE, { cameraId: 'ln-school' }),
    ];
    expect(learnRegions(mixed)).toEqual([]);
  });

  it('keeps a region its id as more rejections join it, whatever order they come in', () => {
    const three = [rejection(1, CONE), rejection(2, CONE), rejection(3, CONE)];
    const [before] = learnRegions(three);
    const [after] = learnRegions([rejection(4, jitter(CONE, 0.004)), ...three.reverse()]);
    expect(after?.id).toBe(before?.id);
    expect(after?.id).toMatch(/^sr-[0-9a-f]{16}$/);
    expect(after?.rejections).toBe(4);
    expect(after?.lastRejectedAt).toBe('2026-11-21T04:04:00.000Z');
  });

  it('takes the minimum from its options', () => {
    const options = { minRejections: 2, groupIou: 0.3, padding: 0 };
    const [region] = learnRegions([rejection(1, CONE), rejection(2, CONE)], options);
    expect(region?.box).toEqual(CONE);
  });
});
