import { describe, expect, it } from 'vitest';
import { IncidentLifecycle, type IncidentTransition } from '../../edge/rules/incident-lifecycle.ts';
import type { ScenarioRule } from '../../edge/rules/scenario-rule.ts';
import type { TrackedInput } from '../../edge/rules/zone-presence.ts';
import { LineCrossingRule } from '../../edge/scenarios/line-crossing/line-crossing-rule.ts';
import { cargoCrop, MuckTruckRule } from '../../edge/scenarios/muck-truck/muck-truck-rule.ts';
import type { Box, RawImage } from '../../foundation/media/frame.ts';

const FRAME: RawImage = { data: new Uint8Array(640 * 480 * 3), width: 640, height: 480 };
const PRESENCE = { stationaryRadius: 10, exitGraceSeconds: 2, reassociateRadius: 20, reassociateSeconds: 5 };
const LIFECYCLE = { clearSeconds: 3, minUpdateSeconds: 2, scoreGain: 0.1 };

async function run(rule: ScenarioRule, frames: (t: number) => TrackedInput[], seconds: number) {
  const lifecycle = new IncidentLifecycle(LIFECYCLE);
  const transitions: IncidentTransition[] = [];
  for (let k = 0; k <= seconds * 5; k++) {
    const time = k / 5;
    const t = lifecycle.step(time, await rule.observe({ time, frame: FRAME, tracked: frames(time) }));
    if (t) transitions.push(t);
  }
  const end = lifecycle.close(seconds);
  if (end) transitions.push(end);
  return transitions;
}

const truck = (id: number, x: number): TrackedInput => ({
  id,
  label: 'truck',
  score: 0.8,
  box: [x, 200, x + 160, 320] as Box,
});

describe('muck truck rule', () => {
  /** A stand-in classifier: says "uncovered" for crops whose left edge is in the given range. */
  function classifier(uncoveredFrom: number, calls: Box[]) {
    return async (_frame: RawImage, crop: Box) => {
      calls.push(crop);
      const uncovered = crop[0] >= uncoveredFrom ? 0.9 : 0.1;
      return { scores: { covered: 1 - uncovered, uncovered } };
    };
  }
  const options = (classify: ReturnType<typeof classifier>) => ({
    contains: (o: TrackedInput) => o.label === 'truck' && o.box[3] > 100,
    presence: PRESENCE,
    classify,
    minTrackFrames: 5,
    confirmFrames: 3,
    uncoveredLabel: 'uncovered',
    uncoveredScore: 0.5,
    cargoRegion: [0, 0, 1, 0.5] as const,
    recheckSeconds: 1,
  });

  it('classifies only after minTrackFrames, confirms after confirmFrames, and reports the score', async () => {
    const calls: Box[] = [];
    const transitions = await run(new MuckTruckRule(options(classifier(0, calls))), () => [truck(1, 100)], 4);
    expect(transitions.map((t) => t.phase)).toEqual(['start', 'end']);
    // Frames 1-4 build the track, 5-7 classify: the third uncovered verdict (frame 7, t = 1.2 s) confirms.
    expect(transitions[0]?.observedAt).toBeCloseTo(1.2);
    expect(transitions[0]?.objects[0]?.attributes).toEqual({ uncovered: 0.9 });
    // The crop is the upper half of the box: the load bed.
    expect(calls[0]).toEqual([100, 200, 260, 260]);
    // Once confirmed it is re-classified once a second, not on every frame.
    expect(calls.length).toBeLessThan(3 + 4 + 2);
  });

  it('never fires for a covered load, and an interrupted streak starts again', async () => {
    const covered: Box[] = [];
    expect(
      await run(new MuckTruckRule(options(classifier(10_000, covered))), () => [truck(1, 100)], 6),
    ).toEqual([]);
    expect(covered.length).toBeGreaterThan(20);
    // Uncovered on alternate frames only (the crop moves across the threshold): never 3 in a row.
    const flicker = await run(
      new MuckTruckRule(options(classifier(100, []))),
      (t) => [truck(1, Math.round(t * 5) % 2 === 0 ? 100 : 90)],
      6,
    );
    expect(flicker).toEqual([]);
  });

  it('ignores vehicles outside the zone or of other labels', async () => {
    const calls: Box[] = [];
    const bus: TrackedInput = { ...truck(2, 100), label: 'bus' };
    const elsewhere: TrackedInput = { ...truck(3, 300), box: [300, 0, 460, 90] };
    expect(await run(new MuckTruckRule(options(classifier(0, calls))), () => [bus, elsewhere], 4)).toEqual(
      [],
    );
    expect(calls).toEqual([]);
  });

  it('crops within the frame and refuses slivers', () => {
    expect(cargoCrop([600, 10, 700, 110], [0, 0, 1, 0.5], 640, 480)).toEqual([600, 10, 640, 60]);
    expect(cargoCrop([639, 10, 700, 110], [0, 0, 1, 0.5], 640, 480)).toBeUndefined();
  });
});

describe('line crossing rule', () => {
  const walker = (id: number, startX: number, speed: number, t: number): TrackedInput => {
    const x = startX + speed * t;
    return { id, label: 'person', score: 0.7, box: [x - 10, 200, x + 10, 300] };
  };

  it('groups crossings close in time into one incident with running counts per direction', async () => {
    const rule = new LineCrossingRule(
      {
        line: [
          [320, 100],
          [320, 400],
        ],
        labels: ['person'],
        direction: 'any',
      },
      LIFECYCLE.clearSeconds,
    );
    // Two walkers cross 1 s apart in opposite directions; a third crosses 10 s later.
    const frames = (t: number) => [
      walker(1, 200, 100, t),
      walker(2, 500, -100, t),
      ...(t >= 10 ? [walker(3, 220, 100, t - 10)] : []),
    ];
    const transitions = await run(rule, frames, 14);
    expect(transitions.map((t) => t.phase)).toEqual(['start', 'update', 'end', 'start', 'end']);
    expect(transitions[0]?.counts).toEqual({ a_to_b: 0, b_to_a: 1 });
    expect(transitions[1]?.counts).toEqual({ a_to_b: 1, b_to_a: 1 });
    expect(transitions[3]?.counts).toEqual({ a_to_b: 0, b_to_a: 1 });
    expect(transitions[3]?.objects.map((o) => o.trackId)).toEqual([3]);
  });
});
