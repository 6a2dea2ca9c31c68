import { describe, expect, it } from 'vitest';
import { LineCrossingCounter, type LineCrossingOptions } from '../../edge/rules/line-crossing.ts';
import type { TrackedInput } from '../../edge/rules/zone-presence.ts';
import type { Box } from '../../foundation/media/frame.ts';

/**
 * A horizontal counting line across the middle of a 768x576 frame, from (200, 300) to (600, 300).
 * Looking from its first end towards its second (east), side A (left) is above it on screen (y
 * smaller) and side B (right) below it. Default hysteresis: 2% of 400 px = 8 px.
 */
const LINE: LineCrossingOptions['line'] = [
  [200, 300],
  [600, 300],
];

const counter = (options: Partial<LineCrossingOptions> = {}) =>
  new LineCrossingCounter({ line: LINE, labels: ['person', 'car'], direction: 'any', ...options });

/** An object whose bottom-centre (foot) point is (x, y). */
const at = (id: number, x: number, y: number, label = 'person'): TrackedInput => ({
  id,
  label,
  score: 0.8,
  box: [x - 15, y - 80, x + 15, y] as Box,
});

/** Feeds one object's foot positions at 10 fps from t = 0; returns every crossing reported. */
function walk(
  c: LineCrossingCounter,
  points: readonly (readonly [number, number])[],
  id = 1,
  label = 'person',
) {
  return points.flatMap(([x, y], i) => c.update([at(id, x, y, label)], i / 10));
}

/** Foot points from a flat list of coordinates: x0, y0, x1, y1, … */
const path = (...xy: number[]) =>
  Array.from({ length: xy.length / 2 }, (_, i): [number, number] => [xy[2 * i] ?? 0, xy[2 * i + 1] ?? 0]);

const line = (x0: number, y0: number, x1: number, y1: number): LineCrossingOptions['line'] => [
  [x0, y0],
  [x1, y1],
];

/** Points from (x, y0) to (x, y1) in `steps` equal steps. */
const vertical = (x: number, y0: number, y1: number, steps = 10) =>
  Array.from({ length: steps + 1 }, (_, i): [number, number] => [x, y0 + ((y1 - y0) * i) / steps]);

describe('LineCrossingCounter', () => {
  it('counts a walk across the line once, in the right direction, at the frame it got clear', () => {
    const c = counter();
    const down = walk(c, vertical(400, 250, 350)); // above (A) to below (B)
    expect(down).toEqual([
      { trackId: 1, label: 'person', score: 0.8, direction: 'a_to_b', time: 0.6, box: [385, 230, 415, 310] },
    ]);
    const up = walk(counter(), vertical(400, 350, 250));
    expect(up.map((x) => x.direction)).toEqual(['b_to_a']);
    expect(c.counts()).toEqual({ aToB: 1, bToA: 0 });
  });

  it('agrees with the config schema: side A is left of line[0] → line[1], so reversing the line flips it', () => {
    const reversed = counter({ line: line(600, 300, 200, 300) });
    expect(walk(reversed, vertical(400, 250, 350)).map((x) => x.direction)).toEqual(['b_to_a']);
  });

  it('counts nothing extra for a foot point jittering on the line', () => {
    const c = counter();
    // Clearly above, then 20 frames wobbling ±6 px around the line (inside the 8 px band, crossing
    // the line itself many times), then clearly below: one crossing.
    const wobble = Array.from({ length: 20 }, (_, i): [number, number] => [400 + i, 300 + (i % 2 ? 6 : -6)]);
    const points: [number, number][] = [[400, 270], ...wobble, [420, 330]];
    expect(walk(c, points).map((x) => x.direction)).toEqual(['a_to_b']);
    expect(c.counts()).toEqual({ aToB: 1, bToA: 0 });
  });

  it('counts nothing for wobbling on the line and going back to the side it came from', () => {
    const c = counter();
    expect(walk(c, path(400, 280, 400, 304, 400, 296, 400, 305, 400, 270))).toEqual([]);
    expect(c.counts()).toEqual({ aToB: 0, bToA: 0 });
  });

  it('counts nothing for passing beyond the end of the segment', () => {
    const c = counter();
    expect(walk(c, vertical(650, 250, 350))).toEqual([]); // right of the east end
    expect(walk(c, vertical(150, 350, 250), 2)).toEqual([]); // left of the west end
    expect(c.counts()).toEqual({ aToB: 0, bToA: 0 });
  });

  it('counts nothing for walking round the end, but counts a later crossing of the segment', () => {
    const c = counter();
    // Above, round the east end to below, then up through the middle.
    const round = path(550, 250, 650, 250, 650, 350, 550, 350);
    expect(walk(c, [...round, ...vertical(500, 350, 250)]).map((x) => x.direction)).toEqual(['b_to_a']);
  });

  it('counts a jump from one side to the other within one frame when the step meets the segment', () => {
    const c = counter();
    expect(walk(c, path(300, 200, 320, 400)).map((x) => x.direction)).toEqual(['a_to_b']);
    // The same jump beyond the end: the step misses the segment.
    expect(walk(counter(), path(640, 200, 660, 400))).toEqual([]);
  });

  it('counts each real crossing when a track goes back and forth', () => {
    const c = counter();
    const points = [...vertical(400, 250, 350), ...vertical(400, 350, 250), ...vertical(400, 250, 350)];
    expect(walk(c, points).map((x) => x.direction)).toEqual(['a_to_b', 'b_to_a', 'a_to_b']);
    expect(c.counts()).toEqual({ aToB: 2, bToA: 1 });
  });

  it('reports and counts only the configured direction', () => {
    const c = counter({ direction: 'b_to_a' });
    const points = [...vertical(400, 250, 350), ...vertical(400, 350, 250)];
    const crossings = walk(c, points);
    expect(crossings.map((x) => x.direction)).toEqual(['b_to_a']);
    expect(c.counts()).toEqual({ aToB: 0, bToA: 1 });
  });

  it('counts only the configured labels', () => {
    const c = counter({ labels: ['car'] });
    expect(walk(c, vertical(400, 250, 350), 1, 'person')).toEqual([]);
    expect(walk(c, vertical(300, 250, 350), 2, 'car')).toMatchObject([{ trackId: 2, label: 'car' }]);
    expect(c.counts()).toEqual({ aToB: 1, bToA: 0 });
  });

  it('keeps tracks apart: two objects crossing in the same frames each count', () => {
    const c = counter();
    const crossings = vertical(0, 250, 350).flatMap(([, y], i) =>
      c.update([at(1, 300, y), at(2, 500, 600 - y)], i / 10),
    );
    expect(crossings.map((x) => [x.trackId, x.direction])).toEqual([
      [1, 'a_to_b'],
      [2, 'b_to_a'],
    ]);
  });

  it('forgets a track unseen for forgetSeconds: coming back on the other side starts afresh', () => {
    const c = counter({ forgetSeconds: 5 });
    c.update([at(7, 400, 250)], 0);
    // Gone (behind a bus) for 6 s, then seen below the line: not a crossing, it is a new start.
    expect(c.update([at(7, 400, 350)], 6)).toEqual([]);
    // From there, a real crossing counts as usual.
    expect(c.update([at(7, 400, 250)], 6.1).map((x) => x.direction)).toEqual(['b_to_a']);
    // Within forgetSeconds, the track is remembered across the gap.
    const d = counter({ forgetSeconds: 5 });
    d.update([at(8, 400, 250)], 0);
    expect(d.update([at(8, 400, 350)], 4).map((x) => x.direction)).toEqual(['a_to_b']);
  });

  it('takes minDistancePx for the hysteresis band', () => {
    const c = counter({ minDistancePx: 30 });
    // 20 px below the line is not yet clear of a 30 px band; 40 px is.
    expect(walk(c, path(400, 260, 400, 320))).toEqual([]);
    expect(c.update([at(1, 400, 340)], 0.2).map((x) => x.direction)).toEqual(['a_to_b']);
  });

  it('refuses a line whose two ends are the same point', () => {
    expect(() => counter({ line: line(100, 100, 100, 100) })).toThrow(RangeError);
  });
});
