import { describe, expect, it } from 'vitest';
import { type DwellRule, observeDwell } from '../../edge/rules/dwell-rule.ts';
import { IncidentLifecycle, type IncidentTransition } from '../../edge/rules/incident-lifecycle.ts';
import { type TrackedInput, ZonePresence } from '../../edge/rules/zone-presence.ts';
import type { Box } from '../../foundation/media/frame.ts';

const ZONE = { x1: 100, y1: 100, x2: 500, y2: 400 };
const inZone = (o: TrackedInput) => {
  const x = (o.box[0] + o.box[2]) / 2;
  const y = o.box[3];
  return x >= ZONE.x1 && x <= ZONE.x2 && y >= ZONE.y1 && y <= ZONE.y2;
};
const person = (id: number, x: number, y: number, score = 0.8): TrackedInput => ({
  id,
  label: 'person',
  score,
  box: [x - 10, y - 60, x + 10, y] as Box,
});
const umbrella = (id: number, x: number, y: number): TrackedInput => ({
  id,
  label: 'umbrella',
  score: 0.6,
  box: [x - 30, y - 40, x + 30, y] as Box,
});

const GROUP = {
  labels: ['person', 'umbrella', 'chair'],
  measure: 'stationary' as const,
  minSeconds: 20,
  minObjects: 2,
};

/** Runs frames at 5 fps through presence + dwell rule + lifecycle and collects the transitions. */
function run(frames: (t: number) => TrackedInput[], seconds: number, rule: DwellRule = GROUP) {
  const presence = new ZonePresence({
    stationaryRadius: 15,
    exitGraceSeconds: 2,
    reassociateRadius: 40,
    reassociateSeconds: 10,
  });
  const lifecycle = new IncidentLifecycle({ clearSeconds: 10, minUpdateSeconds: 5, scoreGain: 0.1 });
  const transitions: IncidentTransition[] = [];
  for (let t = 0; t <= seconds; t += 0.2) {
    const now = Math.round(t * 10) / 10;
    const { present } = presence.update(frames(now), now, inZone);
    const transition = lifecycle.step(now, observeDwell(present, now, rule));
    if (transition) transitions.push(transition);
  }
  return transitions;
}

describe('dwell scenarios over zone presence', () => {
  it('passers-by walking through the zone never make a group incident', () => {
    const walkers = (t: number) => [
      person(1, 50 + 12 * t, 300),
      person(2, 600 - 10 * t, 250),
      person(3, 120 + 9 * t, 380),
    ];
    expect(run(walkers, 60)).toEqual([]);
  });

  it('objects staying put make one incident: start, end once clear; one arriving later is not its own', () => {
    const frames = (t: number) => {
      if (t > 70) return [];
      const objects = [person(1, 300, 300 + (t % 1 < 0.5 ? 2 : -2)), umbrella(2, 340, 305)];
      if (t >= 35) objects.push(umbrella(3, 200, 310));
      return objects;
    };
    const transitions = run(frames, 100);
    expect(transitions.map((x) => x.phase)).toEqual(['start', 'end']);
    const [start, end] = transitions;
    expect(start?.observedAt).toBeCloseTo(20, 0);
    expect(start?.objects.map((o) => o.label).sort()).toEqual(['person', 'umbrella']);
    expect(end?.objects.map((o) => o.key).sort()).toEqual([1, 2]);
    expect(end?.endedAt).toBeGreaterThanOrEqual(70);
    expect(end?.endedAt).toBeLessThanOrEqual(72.2);
    expect(end?.observedAt).toBeGreaterThanOrEqual(80);
    expect(new Set(transitions.map((x) => x.startedAt)).size).toBe(1);
  });

  it('dwell survives a track id switch: the same spot under a new id does not restart the clock', () => {
    const frames = (t: number) => {
      const vendorId = t < 12 ? 1 : t < 13 ? -1 : 7;
      const objects = [umbrella(2, 340, 305)];
      if (vendorId > 0) objects.push(person(vendorId, 300 + (t < 12 ? 0 : 6), 300));
      return objects;
    };
    const transitions = run(frames, 30);
    expect(transitions[0]?.phase).toBe('start');
    expect(transitions[0]?.observedAt).toBeCloseTo(20, 0);
    expect(transitions[0]?.objects.find((o) => o.label === 'person')?.trackId).toBe(7);
  });

  it('counts crowded scenes without a cap: 150 stationary objects are all in the incident', () => {
    const crowd = () =>
      Array.from({ length: 150 }, (_, k) =>
        person(k + 1, 110 + (k % 15) * 25, 120 + Math.floor(k / 15) * 28),
      );
    const [start] = run(crowd, 25);
    expect(start?.objects).toHaveLength(150);
  });

  it('loitering measures time in the zone, moving or not', () => {
    const pacing = (t: number) => [person(1, 200 + 50 * Math.sin(t / 3), 300)];
    const loitering = { labels: ['person'], measure: 'dwell' as const, minSeconds: 30, minObjects: 1 };
    expect(run(pacing, 40, loitering).map((x) => x.phase)).toEqual(['start']);
    expect(run(pacing, 40, GROUP)).toEqual([]);
  });
});
