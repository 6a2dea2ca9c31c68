import { describe, expect, it } from 'vitest';
import { gathering } from '../../edge/scenarios/gathering.ts';
import { person, runScenario, type Script } from './scripted-scene.ts';

/** With the scenario's defaults: three people, each still for 60 s; clearSeconds 15. */
const run = (script: Script, seconds: number, settings: Record<string, unknown> = {}) =>
  runScenario(gathering, settings, script, seconds);

/** Three people chatting in a ring, each swaying a few pixels. */
const ring = (t: number, ids = [1, 2, 3]) =>
  ids.map((id, k) => person(id, 200 + 40 * k + (t % 2 < 1 ? 2 : -2), 300 + 10 * k));

describe('gathering: people standing still together', () => {
  it('three people standing together for a minute make a gathering that ends once they have gone', async () => {
    const transitions = await run((t) => ({ tracked: t < 120 ? ring(t) : [] }), 160);
    expect(transitions.map((x) => x.phase)).toEqual(['start', 'end']);
    const [start, end] = transitions;
    expect(start?.observedAt).toBeCloseTo(60, 0);
    expect(start?.objects.map((o) => o.trackId).sort()).toEqual([1, 2, 3]);
    expect(end?.endedAt).toBeGreaterThanOrEqual(119.8);
    expect(end?.endedAt).toBeLessThanOrEqual(122.2);
    expect(end?.observedAt).toBeCloseTo((end?.endedAt ?? 0) + 15, 0);
  });

  it('two people are not a gathering by default, but are with minObjects 2', async () => {
    const pair = (t: number) => ({ tracked: ring(t, [1, 2]) });
    expect(await run(pair, 100)).toEqual([]);
    expect((await run(pair, 100, { minObjects: 2, minDwellSeconds: 30 }))[0]?.observedAt).toBeCloseTo(30, 0);
  });

  it('a crowd walking through is never a gathering', async () => {
    const crowd = (t: number) => ({
      tracked: Array.from({ length: 12 }, (_, k) =>
        person(k + 1, ((t * 30 + k * 50) % 600) + 20, 200 + k * 20),
      ),
    });
    expect(await run(crowd, 200, { minObjects: 2, minDwellSeconds: 10 })).toEqual([]);
  });

  it('ends when two of the three have left, though others stand nearby for a while', async () => {
    const script: Script = (t) => {
      const tracked = t < 90 ? ring(t) : ring(t, [1]);
      // Two others stop at 80 s, not long enough to be a gathering of their own before it ends.
      if (t >= 80 && t < 110) tracked.push(person(8, 450, 300), person(9, 480, 300));
      return { tracked };
    };
    const transitions = await run(script, 140);
    expect(transitions.map((x) => x.phase)).toEqual(['start', 'end']);
    expect(transitions[1]?.endedAt).toBeLessThanOrEqual(92.2);
  });
});
