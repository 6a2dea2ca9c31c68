import { describe, expect, it } from 'vitest';
import { OccupationModel } from '../../edge/background/occupation-model.ts';
import type { OccupationRegion } from '../../edge/background/occupation-source.ts';
import type { TrackedInput } from '../../edge/rules/zone-presence.ts';
import type { Box } from '../../foundation/media/frame.ts';
import { type StreetObject, type StreetView, SyntheticStreet, timeline } from './synthetic-street.ts';

const FPS = 5;
const street = new SyntheticStreet();
const CARTON: StreetObject = { box: [150, 100, 200, 140], seed: 3, grey: 150 };

interface Run {
  /** Regions after each frame, by time. */
  seen: { time: number; regions: readonly OccupationRegion[] }[];
}

/** Feeds the model `view(t)` (and the tracked boxes at t) from 0 to `seconds`. */
function run(
  seconds: number,
  view: (t: number) => StreetView,
  tracked: (t: number) => TrackedInput[] = () => [],
  fps = FPS,
): Run {
  const model = new OccupationModel();
  const seen: Run['seen'] = [];
  let k = 0;
  for (const time of timeline(0, seconds, fps)) {
    const frame = street.frame(view(time), k++);
    seen.push({ time, regions: [...model.regions({ time, frame, tracked: tracked(time) })] });
  }
  return { seen };
}

const allRegions = (r: Run) => r.seen.flatMap((s) => s.regions);
const iou = (a: Box, b: Box) => {
  const w = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const h = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const area = (x: Box) => (x[2] - x[0]) * (x[3] - x[1]);
  return (w * h) / (area(a) + area(b) - w * h);
};

describe('the occupation background model', () => {
  it('reports nothing for what was there when the camera started', () => {
    const result = run(40, () => ({ objects: [CARTON] }));
    expect(allRegions(result)).toEqual([]);
  });

  it('finds a placed object once it has stayed, where it is, as placed', () => {
    const result = run(30, (t) => ({ objects: t >= 10 ? [CARTON] : [] }));
    const first = result.seen.find((s) => s.regions.length > 0);
    expect(first?.time).toBeGreaterThanOrEqual(10);
    expect(first?.time).toBeLessThan(16);
    const last = result.seen.at(-1)?.regions ?? [];
    expect(last).toHaveLength(1);
    expect(last[0]?.kind).toBe('placed');
    expect(iou(last[0]?.box as Box, CARTON.box)).toBeGreaterThan(0.6);
    expect(last[0]?.since).toBeGreaterThanOrEqual(10);
    expect(last[0]?.since).toBeLessThan(14);
  });

  it('does not report a person or vehicle standing still under a tracked box', () => {
    const standing: StreetObject = { box: [60, 120, 85, 190], seed: 11, grey: 70 };
    const van: StreetObject = { box: [220, 80, 300, 150], seed: 12, grey: 190 };
    const result = run(
      60,
      (t) => ({ objects: t >= 8 ? [standing, van] : [] }),
      (t) =>
        t >= 8
          ? [
              { id: 1, label: 'person', score: 0.8, box: standing.box },
              { id: 2, label: 'car', score: 0.7, box: van.box },
            ]
          : [],
    );
    expect(allRegions(result)).toEqual([]);
  });

  it('does not report a global change of light (a cloud, street lights)', () => {
    const gain = (t: number) => (t < 15 ? 1 : t < 18 ? 1 - ((t - 15) / 3) * 0.45 : 0.55);
    const result = run(45, (t) => ({ gain: gain(t) }));
    expect(allRegions(result)).toEqual([]);
  });

  it('does not report a passing shadow', () => {
    const result = run(45, (t) => ({
      shadow: { x: -60 + (t - 10) * 15, y: 120, radius: 60, light: 0.55 },
    }));
    expect(allRegions(result)).toEqual([]);
  });

  it('does not report a camera shake of one or two pixels, nor a view that settles a pixel off', () => {
    const shake: readonly [number, number][] = [
      [2, 0],
      [-1, 2],
      [0, -2],
      [2, 1],
      [-2, -1],
    ];
    const result = run(50, (t) => ({
      shift:
        t >= 15 && t < 18
          ? (shake[Math.round(t * FPS) % shake.length] as [number, number])
          : t >= 18
            ? [1, 1]
            : [0, 0],
    }));
    expect(allRegions(result)).toEqual([]);
  });

  it('keeps a long stay as one region, not absorbed into the background, and ends it when it is gone', () => {
    const removedAt = 600;
    const result = run(
      660,
      (t) => ({ objects: t >= 10 && t < removedAt ? [CARTON] : [] }),
      () => [],
      1,
    );
    const ids = new Set(allRegions(result).map((r) => r.id));
    expect(ids.size).toBe(1);
    const during = result.seen.filter((s) => s.time >= 20 && s.time < removedAt);
    expect(during.every((s) => s.regions.length === 1)).toBe(true);
    const gone = result.seen.find((s) => s.time > removedAt && s.regions.length === 0);
    expect(gone?.time).toBeLessThanOrEqual(removedAt + 8);
    expect(result.seen.filter((s) => s.time > removedAt + 8).every((s) => s.regions.length === 0)).toBe(true);
  });

  it('keeps a region while passers-by hide it', () => {
    const walker = (t: number): Box => {
      const x = 100 + (t - 20) * 20;
      return [x, 95, x + 22, 150];
    };
    const result = run(
      35,
      (t) => ({
        objects: [
          ...(t >= 20 && t < 26 ? [{ box: walker(t), seed: 21, grey: 60 }] : []),
          ...(t >= 5 ? [CARTON] : []),
        ],
      }),
      (t) => (t >= 20 && t < 26 ? [{ id: 9, label: 'person', score: 0.9, box: walker(t) }] : []),
    );
    const ids = new Set(allRegions(result).map((r) => r.id));
    expect(ids.size).toBe(1);
    expect(result.seen.filter((s) => s.time >= 12).every((s) => s.regions.length === 1)).toBe(true);
  });

  it('reports something taken away as removed, where it was', () => {
    const result = run(40, (t) => ({ objects: t < 15 ? [CARTON] : [] }));
    const last = result.seen.at(-1)?.regions ?? [];
    // A plain street where a printed carton stood partly matches the print's plain stripes: the
    // gap may come out in more than one piece, each of them inside where the carton was.
    expect(last.length).toBeGreaterThanOrEqual(1);
    for (const region of last) {
      expect(region.kind).toBe('removed');
      expect(iou(region.box, CARTON.box)).toBeGreaterThan(0);
      expect(region.box[0]).toBeGreaterThanOrEqual(CARTON.box[0] - 4);
      expect(region.box[2]).toBeLessThanOrEqual(CARTON.box[2] + 4);
    }
  });
});
