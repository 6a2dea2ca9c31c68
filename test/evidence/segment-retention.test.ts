import { describe, expect, it } from 'vitest';
import { longestCoveredStretch, selectCoveringSegments } from '../../edge/evidence/clip-cutter.ts';
import { SegmentIndex } from '../../edge/evidence/segment-index.ts';
import {
  bufferedRanges,
  parseSegmentFileName,
  parseSegmentListLine,
  type RecordedSegment,
  StreamClock,
  segmentFileName,
} from '../../edge/evidence/segment-list.ts';
import { planRetention } from '../../edge/evidence/segment-retention.ts';

/** Ten 2 s segments of 100 kB from t = 0, as a recorder holds them. */
const TEN = Array.from(
  { length: 10 },
  (_, i): RecordedSegment => ({
    file: `/buf/seg-${i}.ts`,
    startMs: i * 2000,
    endMs: (i + 1) * 2000,
    bytes: 100_000,
  }),
);
const names = (segments: readonly RecordedSegment[]): string[] => segments.map((s) => s.file);

describe('planRetention', () => {
  const limits = { maxBytes: 1e9, maxAgeMs: 1e9, nowMs: 20_000, isPinned: () => false };

  it('keeps everything within both limits', () => {
    expect(planRetention(TEN, limits)).toEqual([]);
  });

  it('deletes the oldest until the rest fit the byte cap', () => {
    const doomed = planRetention(TEN, { ...limits, maxBytes: 350_000 });
    expect(names(doomed)).toEqual(names(TEN.slice(0, 7)));
  });

  it('deletes segments that ended longer ago than the age limit', () => {
    // now 20 s, max age 5 s: segments ending before 15 s go; the one ending at 16 s stays.
    const doomed = planRetention(TEN, { ...limits, maxAgeMs: 5000 });
    expect(names(doomed)).toEqual(names(TEN.slice(0, 7)));
  });

  it('stops at a pinned segment instead of deleting past it', () => {
    const pinned = TEN[2] as RecordedSegment;
    const doomed = planRetention(TEN, { ...limits, maxBytes: 350_000, isPinned: (s) => s === pinned });
    expect(names(doomed)).toEqual(names(TEN.slice(0, 2)));
  });
});

describe('SegmentIndex', () => {
  it('holds segments in start order and retires the oldest, stopping at a pinned one until it is released', () => {
    const index = new SegmentIndex();
    for (const s of [...TEN].reverse()) index.add(s);
    expect(names(index.all())).toEqual(names(TEN));
    expect(index.bytes()).toBe(1_000_000);
    const release = index.pin(4500, 5000);
    const limits = { maxBytes: 350_000, maxAgeMs: 1e9, nowMs: 20_000 };
    expect(names(index.retire(limits))).toEqual(names(TEN.slice(0, 2)));
    expect(index.oldestStartMs()).toBe(4000);
    release();
    expect(names(index.retire(limits))).toEqual(names(TEN.slice(2, 7)));
    expect(index.count).toBe(3);
  });
});

describe('selectCoveringSegments', () => {
  it('picks the segments overlapping the interval, the first starting at or before it', () => {
    const coverage = selectCoveringSegments(TEN, 3000, 8500, 250);
    expect(coverage.ok && names(coverage.segments)).toEqual(names(TEN.slice(1, 5)));
  });

  it('says which part is missing', () => {
    expect(selectCoveringSegments(TEN.slice(3), 3000, 8000, 250)).toEqual({ ok: false, missing: 'start' });
    expect(selectCoveringSegments(TEN.slice(0, 3), 3000, 8000, 250)).toEqual({
      ok: false,
      missing: 'rest',
      coveredUntilMs: 6000,
    });
    const holed = TEN.filter((_, i) => i !== 2);
    expect(selectCoveringSegments(holed, 3000, 8000, 250)).toEqual({
      ok: false,
      missing: 'rest',
      coveredUntilMs: 4000,
    });
    expect(selectCoveringSegments([], 3000, 8000, 250)).toEqual({ ok: false, missing: 'start' });
  });

  it('tolerates clock jitter up to the tolerance, not more', () => {
    const jittered = TEN.map((s, i) => (i === 3 ? { ...s, startMs: s.startMs + 200 } : s));
    expect(selectCoveringSegments(jittered, 3000, 9000, 250).ok).toBe(true);
    expect(selectCoveringSegments(jittered, 3000, 9000, 100)).toMatchObject({ missing: 'rest' });
  });
});

describe('longestCoveredStretch', () => {
  it('picks the unbroken stretch covering most of the interval', () => {
    const holed = TEN.filter((_, i) => i !== 2 && i !== 7);
    // [3 s, 17 s]: 3–4 s before the first hole, 6–14 s between the holes, 16–17 s after.
    expect(names(longestCoveredStretch(holed, 3000, 17_000, 250))).toEqual(names(TEN.slice(3, 7)));
    expect(longestCoveredStretch(holed, 30_000, 40_000, 250)).toEqual([]);
  });
});

describe('segment list and names', () => {
  it("reads ffmpeg's CSV segment list lines and skips anything else", () => {
    expect(parseSegmentListLine('run-1-000003.ts,6.000000,8.040000')).toEqual({
      name: 'run-1-000003.ts',
      start: 6,
      end: 8.04,
    });
    expect(parseSegmentListLine('[segment @ 0x55] Opening for writing')).toBeUndefined();
    expect(parseSegmentListLine('a.ts,8.0,6.0')).toBeUndefined();
  });

  it('names a closed segment by its wall-clock start and length, and reads the name back', () => {
    const name = segmentFileName(1_795_316_721_306, 1_795_316_723_306);
    expect(name).toBe('seg-1795316721306-2000.ts');
    expect(parseSegmentFileName(name)).toEqual({ startMs: 1_795_316_721_306, endMs: 1_795_316_723_306 });
    expect(parseSegmentFileName('run-1-000001.ts')).toBeUndefined();
  });

  it('merges segments into buffered ranges, split at gaps', () => {
    const holed = TEN.filter((_, i) => i !== 4);
    expect(bufferedRanges(holed, 250)).toEqual([
      { fromMs: 0, toMs: 8000 },
      { fromMs: 10_000, toMs: 20_000 },
    ]);
  });
});

describe('StreamClock', () => {
  it('maps stream time to the wall clock by the least delayed segment close', () => {
    const clock = new StreamClock();
    // Keyframes at 2, 4, 6 s of stream time reach ffmpeg 80, 30 and 300 ms after they were captured.
    clock.observe(2, 1_000_000 + 2000 + 80);
    clock.observe(4, 1_000_000 + 4000 + 30);
    clock.observe(6, 1_000_000 + 6000 + 300);
    expect(clock.wallMs(0)).toBe(1_000_030);
    expect(clock.wallMs(8)).toBe(1_008_030);
  });

  it('forgets old observations, so a stepped wall clock is followed', () => {
    const clock = new StreamClock(3);
    clock.observe(2, 2000);
    for (let i = 2; i <= 4; i += 1) clock.observe(i * 2, i * 2000 + 60_000);
    expect(clock.wallMs(10)).toBe(70_000);
  });
});
