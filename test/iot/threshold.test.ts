import { describe, expect, it } from 'vitest';
import { simulateSensor } from '../../iot/simulator/simulate.ts';
import { fixtureRules, rules, run, T0 } from './helpers.ts';

const pm10 = (level: (s: number) => number, noise: number, seed: number, seconds = 7200) =>
  simulateSensor({
    deviceId: 'dust-site-1',
    kind: 'pm10',
    unit: 'µg/m³',
    startMs: T0,
    durationSeconds: seconds,
    intervalSeconds: 10,
    level,
    noise,
    seed,
  });

const threshold = (extra: Record<string, unknown>) => ({
  name: 'dust',
  kind: 'threshold' as const,
  event: 'dust_exceedance' as const,
  sensor: 'pm10',
  high: 150,
  low: 150,
  ...extra,
});

const starts = (events: { phase: string }[]) => events.filter((e) => e.phase === 'start').length;

describe('threshold rules', () => {
  it('a noisy sensor hovering at the limit does not flap with hysteresis and a minimum duration', () => {
    const hovering = pm10(() => 150, 6, 7);
    // The naive rule (on above 150, off below 150, at once) flaps on nearly every other reading.
    const naive = run(rules({ rules: [threshold({})] }), hovering).events;
    expect(starts(naive)).toBeGreaterThan(100);
    // Hysteresis (off only below 120) and 15 minutes held: one incident at most, ended at most once.
    const damped = run(rules({ rules: [threshold({ low: 120, minDurationSeconds: 900 })] }), hovering).events;
    expect(starts(damped)).toBeLessThanOrEqual(1);
    expect(damped.filter((e) => e.phase === 'end').length).toBeLessThanOrEqual(1);
    // The fixture's rule (5-minute mean, hysteresis, 15 minutes held): one incident, running updates.
    const fixture = run(fixtureRules(), hovering).events;
    expect(starts(fixture)).toBeLessThanOrEqual(1);
    expect(new Set(fixture.map((e) => e.incidentId)).size).toBeLessThanOrEqual(1);
  });

  it('PM10 above the limit for 15 minutes raises one incident dated from when it rose', () => {
    // 80 µg/m³, then 210 from minute 20 to minute 60, then 80 again.
    const episode = pm10((s) => (s >= 1200 && s < 3600 ? 210 : 80), 12, 3);
    const { events } = run(fixtureRules(), episode);
    const dust = events.filter((e) => e.type === 'dust_exceedance');
    // One incident: a start, updates every 5 minutes while it lasts, an end.
    expect(dust[0]?.phase).toBe('start');
    expect(dust.at(-1)?.phase).toBe('end');
    expect(dust.slice(1, -1).every((e) => e.phase === 'update')).toBe(true);
    expect(new Set(dust.map((e) => e.incidentId)).size).toBe(1);
    const [start] = dust;
    const end = dust.at(-1);
    // The 5-minute mean crosses 150 a little after minute 20; start is reported 15 minutes later.
    const rose = (Date.parse(start?.startedAt ?? '') - T0) / 60_000;
    expect(rose).toBeGreaterThan(20);
    expect(rose).toBeLessThan(24);
    expect((Date.parse(start?.observedAt ?? '') - Date.parse(start?.startedAt ?? '')) / 60_000).toBeCloseTo(
      15,
      0,
    );
    const fell = (Date.parse(end?.endedAt ?? '') - T0) / 60_000;
    expect(fell).toBeGreaterThan(60);
    expect(fell).toBeLessThan(64);
    expect(end?.readings).toMatchObject({ metric: 'pm10', unit: 'µg/m³', limit: 150 });
    expect(end?.readings?.max).toBeGreaterThan(190);
    expect(end?.location).toEqual({ lat: 22.935, lon: 113.38 });
  });

  it('a spike shorter than the minimum duration raises nothing', () => {
    const spike = pm10((s) => (s >= 1200 && s < 1800 ? 400 : 80), 5, 4);
    expect(run(fixtureRules(), spike).events).toHaveLength(0);
    const longer = pm10((s) => (s >= 1200 && s < 3000 ? 400 : 80), 5, 4);
    expect(starts(run(fixtureRules(), longer).events)).toBe(1);
  });

  it('a sliding mean judges only full windows: a loud first minute does not start an exceedance', () => {
    // Noise at 67 dB(A) after two loud readings at 80 at the start: the 5-minute mean never passes 70.
    const readings = simulateSensor({
      deviceId: 'noise-site-1',
      kind: 'noise',
      unit: 'dB(A)',
      startMs: T0,
      durationSeconds: 3600,
      intervalSeconds: 10,
      level: (s) => (s < 20 ? 80 : 67),
      noise: 1.5,
      seed: 2,
    });
    expect(run(fixtureRules(), readings).events).toHaveLength(0);
    // Judged on a window that is not yet full (here: raw readings), the loud start is an incident.
    const raw = rules({
      rules: [{ ...threshold({ sensor: 'noise', high: 70, low: 65 }), event: 'noise_exceedance' }],
    });
    const events = run(raw, readings).events;
    expect(events[0]).toMatchObject({ phase: 'start', startedAt: new Date(T0).toISOString() });
  });

  it('a tumbling window judges each slot once, at its end', () => {
    const rule = threshold({ low: 120, window: { type: 'tumbling', seconds: 600, aggregate: 'max' } });
    // One reading of 400 in the slot [10 min, 20 min): its slot's max exceeds; the next slot clears.
    const readings = pm10(() => 80, 0, 1, 3600).map((r, k) => (k === 70 ? { ...r, value: 400 } : r));
    const { events } = run(rules({ rules: [rule] }), readings);
    expect(events.map((e) => [e.phase, (Date.parse(e.observedAt) - T0) / 60_000])).toEqual([
      ['start', 20],
      ['end', 30],
    ]);
  });

  it('readings of another sensor kind or another device are ignored', () => {
    const other = pm10((s) => (s >= 600 ? 400 : 80), 5, 4).map((r) => ({ ...r, kind: 'noise' }));
    expect(run(rules({ rules: [threshold({})] }), other).events).toHaveLength(0);
    const listed = threshold({ devices: ['dust-site-9'] });
    expect(
      run(
        rules({ rules: [listed] }),
        pm10(() => 400, 5, 4),
      ).events,
    ).toHaveLength(0);
  });
});
