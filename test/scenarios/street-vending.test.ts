import { describe, expect, it } from 'vitest';
import type { OccupationRegion } from '../../edge/background/occupation-source.ts';
import type { TrackedInput } from '../../edge/rules/zone-presence.ts';
import { streetVending } from '../../edge/scenarios/street-vending.ts';
import type { Box } from '../../foundation/media/frame.ts';
import { person, runScenario, type Script } from './scripted-scene.ts';

/**
 * The vending rule on scripted occupation regions and tracks, with the scenario's defaults:
 * minDwellSeconds 60, nearDistance 5% of the diagonal (40 px here), clearSeconds 30.
 */
const run = (script: Script, seconds: number, settings: Record<string, unknown> = {}) =>
  runScenario(streetVending, settings, script, seconds);

const STALL: Box = [300, 300, 380, 340];
const region = (box: Box = STALL, kind: OccupationRegion['kind'] = 'placed'): OccupationRegion => ({
  id: 1,
  box,
  fill: 0.7,
  kind,
  since: 0,
  lastSeen: 0,
});
/** The vendor stands just right of the stall, swaying a little. */
const vendor = (t: number) => person(7, 395 + (t % 2 < 1 ? 3 : -3));
const umbrella: TrackedInput = { id: 20, label: 'umbrella', score: 0.6, box: [290, 240, 350, 300] };
/** A walker along the pavement at 40 px/s, entering the frame at `from` seconds. */
const walker = (id: number, from: number, t: number) => person(id, (t - from) * 40, 350);

describe('street vending: people staying beside an occupied patch of street', () => {
  it('a vendor beside a placed region for minDwellSeconds is vending, reported with the region', async () => {
    const transitions = await run((t) => ({ regions: [region()], tracked: t < 150 ? [vendor(t)] : [] }), 200);
    expect(transitions.map((x) => x.phase)).toEqual(['start', 'end']);
    const [start, end] = transitions;
    expect(start?.observedAt).toBeCloseTo(60, 0);
    expect(start?.objects.map((o) => o.label)).toEqual(['person', 'occupied_region']);
    expect(start?.objects[1]?.box).toEqual(STALL);
    expect(start?.confidence).toBeCloseTo(0.8);
    // Gone at 150 s, kept 2 s as possibly occluded, ended once clear for 30 s.
    expect(end?.endedAt).toBeGreaterThanOrEqual(149.8);
    expect(end?.endedAt).toBeLessThanOrEqual(152.2);
    expect(end?.observedAt).toBeCloseTo((end?.endedAt ?? 0) + 30, 0);
  });

  it('people passing by, or stopping briefly, are not vending', async () => {
    const script: Script = (t) => {
      const tracked = [walker(1, 0, t), walker(2, 30, t), walker(3, 60, t)];
      // A customer stops beside the stall for 20 s.
      if (t >= 100 && t < 120) tracked.push(person(4, 290));
      return { regions: [region()], tracked };
    };
    expect(await run(script, 200)).toEqual([]);
  });

  it('an occupied region alone is not vending (that is occupation), nor are people with cue objects and no region', async () => {
    expect(await run(() => ({ regions: [region()] }), 300)).toEqual([]);
    expect(await run((t) => ({ tracked: [vendor(t), umbrella] }), 300)).toEqual([]);
  });

  it('a region something was removed from, or one outside the zone, makes no vending', async () => {
    expect(await run((t) => ({ regions: [region(STALL, 'removed')], tracked: [vendor(t)] }), 120)).toEqual(
      [],
    );
    // A stall on the road above the pavement zone, its vendor standing on the pavement's edge.
    const vendorAt = (t: number) => ({ ...vendor(t), box: [385, 90, 405, 160] as Box });
    const onRoad = (t: number) => ({ regions: [region([300, 60, 380, 145])], tracked: [vendorAt(t)] });
    expect(await run(onRoad, 120)).toEqual([]);
    const onPavement = (t: number) => ({ regions: [region([300, 120, 380, 165])], tracked: [vendorAt(t)] });
    expect((await run(onPavement, 120)).map((x) => x.phase)).toEqual(['start', 'end']);
  });

  it('cue objects beside the region raise the confidence, and are reported with it', async () => {
    const plain = await run((t) => ({ regions: [region()], tracked: [vendor(t)] }), 70);
    const withUmbrella = await run((t) => ({ regions: [region()], tracked: [vendor(t), umbrella] }), 70);
    expect(withUmbrella[0]?.observedAt).toBeCloseTo(plain[0]?.observedAt ?? 0, 1);
    expect(withUmbrella[0]?.confidence).toBeCloseTo(1 - (1 - 0.8) * (1 - 0.15), 3);
    expect(withUmbrella[0]?.confidence).toBeGreaterThan(plain[0]?.confidence ?? 1);
    expect(withUmbrella[0]?.objects.map((o) => o.label)).toEqual(['person', 'occupied_region', 'umbrella']);
  });

  it('ends when the vendor has gone, though walkers keep passing the stall that stays', async () => {
    const script: Script = (t) => {
      const tracked = t < 150 ? [vendor(t)] : [];
      for (let k = 0; k < 30; k++)
        if (t >= 150 + 2 * k && t < 150 + 2 * k + 16) tracked.push(walker(100 + k, 150 + 2 * k, t));
      return { regions: [region()], tracked };
    };
    const transitions = await run(script, 260);
    expect(transitions.map((x) => x.phase)).toEqual(['start', 'end']);
    expect(transitions[1]?.endedAt).toBeLessThanOrEqual(152.2);
    expect(transitions[1]?.objects.map((o) => o.trackId)).toEqual([7, 1]);
  });

  it('ends when the stall is packed up, though the vendor is still there', async () => {
    const transitions = await run((t) => ({ regions: t < 100 ? [region()] : [], tracked: [vendor(t)] }), 200);
    expect(transitions.map((x) => x.phase)).toEqual(['start', 'end']);
    expect(transitions[1]?.endedAt).toBeLessThanOrEqual(102.2);
  });

  it('needs minPeople beside the region when set', async () => {
    const one = (t: number) => ({ regions: [region()], tracked: [vendor(t)] });
    expect(await run(one, 100, { minPeople: 2 })).toEqual([]);
    const two = (t: number) => ({ regions: [region()], tracked: [vendor(t), person(8, 290)] });
    expect((await run(two, 100, { minPeople: 2 })).map((x) => x.phase)).toEqual(['start', 'end']);
  });
});
