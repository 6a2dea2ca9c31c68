import { describe, expect, it } from 'vitest';
import type { Detection } from '../../edge/detect/types.ts';
import { LearnedRegions } from '../../edge/suppress/learned-regions.ts';
import { DEFAULT_SUPPRESSION_SETTINGS, SuppressionFilter } from '../../edge/suppress/suppression-filter.ts';
import type { RawImage } from '../../foundation/media/frame.ts';
import type { SuppressionRegion } from '../../foundation/suppression/suppression-region.ts';

const FRAME: RawImage = { data: new Uint8Array(0), width: 800, height: 600 };
const EPOCH = Date.parse('2026-11-21T04:00:00Z');
const DAY = 86_400_000;

const REGION: SuppressionRegion = {
  id: 'sr-0123456789abcdef',
  edgeId: 'lingnan-hub',
  cameraId: 'ln-market',
  label: 'person',
  // 160..200 x 186..222 px on the 800 x 600 frame.
  box: [0.2, 0.31, 0.25, 0.37],
  rejections: 3,
  createdAt: '2026-11-20T04:00:00.000Z',
  lastMatchedAt: '2026-11-20T03:00:00.000Z',
};

const det = (label: string, box: [number, number, number, number], score = 0.4): Detection => ({
  label,
  classId: 0,
  score,
  box,
});
const CONE = det('person', [163, 189, 197, 219], 0.38);

function setup(regions: SuppressionRegion[] = [REGION], expireAfterDays = 14) {
  const learned = new LearnedRegions({ version: 1, fetchedAt: null, expireAfterDays, regions, matches: {} });
  const filter = new SuppressionFilter({
    cameraId: 'ln-market',
    epochMs: EPOCH,
    settings: DEFAULT_SUPPRESSION_SETTINGS,
    source: learned,
  });
  return { learned, filter };
}

describe('the suppression filter on the edge', () => {
  it('drops the still false positive on the region in every frame, and nothing else', () => {
    const { filter, learned } = setup();
    const person = det('person', [400, 200, 440, 300], 0.8);
    const bird = det('bird', [163, 189, 197, 219], 0.5);
    for (let t = 0; t < 5; t += 0.2) {
      const jittered = det('person', [CONE.box[0] + (t % 1), 189, 197, 219 - (t % 1)], 0.38);
      expect(filter.filter(FRAME, [person, jittered, bird], t)).toEqual([person, bird]);
    }
    expect(filter.counters.dropped).toBe(25);
    expect(learned.matches()).toEqual([{ regionId: REGION.id, lastMatchedAt: '2026-11-21T04:00:04.800Z' }]);
  });

  it('keeps a person walking through the region, while the cone standing there stays dropped', () => {
    const { filter } = setup();
    const kept: Detection[] = [];
    // A person 40 px wide walks left to right across the region at 60 px/s, seen 5 times a second.
    for (let frame = 0; frame <= 15; frame++) {
      const t = frame / 5;
      const x = 100 + 60 * t;
      const walker = det('person', [x, 180, x + 40, 225], 0.7);
      const out = filter.filter(FRAME, [CONE, walker], t);
      expect(out).not.toContain(CONE);
      kept.push(...out);
    }
    // In every frame, on the region and off it, the walker was kept.
    expect(kept.length).toBe(16);
    // It did cover the region (IoU ≥ 0.4) on its way: kept there because it moved.
    expect(filter.counters.keptMoving).toBe(3);
  });

  it('judges a detection seen for the first time as not moving (a still image)', () => {
    const { filter } = setup();
    expect(filter.filter(FRAME, [CONE], 0)).toEqual([]);
  });

  it('stops applying a region after expireAfterDays without a match, and a match keeps it', () => {
    const { filter } = setup([REGION], 1);
    // The region last matched a day and a bit before EPOCH: lapsed.
    expect(filter.filter(FRAME, [CONE], 0)).toEqual([CONE]);
    const fresh = setup([{ ...REGION, lastMatchedAt: new Date(EPOCH - DAY / 2).toISOString() }], 1);
    expect(fresh.filter.filter(FRAME, [CONE], 0)).toEqual([]);
    // It matched at EPOCH; 20 hours later it still holds, 25 hours later it has lapsed.
    expect(fresh.learned.regions('ln-market', EPOCH + 20 * 3_600_000)).toHaveLength(1);
    expect(fresh.learned.regions('ln-market', EPOCH + 25 * 3_600_000)).toHaveLength(0);
  });

  it("applies only the camera's own regions", () => {
    const { filter } = setup([{ ...REGION, cameraId: 'ln-school' }]);
    expect(filter.filter(FRAME, [CONE], 0)).toEqual([CONE]);
  });
});
