import { describe, expect, it } from 'vitest';
import type { DeviceEvent } from '../../foundation/contract/events.ts';
import type { Telemetry } from '../../foundation/contract/telemetry.ts';
import { Rng } from '../../foundation/util/seeded-rng.ts';
import { MemoryDeadLetters, TelemetryIntake } from '../../iot/consumer/telemetry-intake.ts';
import { RuleEngine } from '../../iot/rules/rule-engine.ts';
import { demoTelemetry } from '../../iot/simulator/demo-scenario.ts';
import { fixtureRules, run, T0 } from './helpers.ts';

/** The order readings arrive in when each is delayed by up to `maxDelaySeconds` on the way. */
function arrivalOrder(readings: readonly Telemetry[], maxDelaySeconds: number, seed: number): Telemetry[] {
  const random = new Rng(seed);
  return readings
    .map((r) => ({ r, arrives: Date.parse(r.time) + random.next() * maxDelaySeconds * 1000 }))
    .sort((a, b) => a.arrives - b.arrives)
    .map((x) => x.r);
}

const inversions = (readings: readonly Telemetry[]) => {
  const last = new Map<string, number>();
  let count = 0;
  for (const r of readings) {
    const t = Date.parse(r.time);
    if (t < (last.get(r.deviceId) ?? 0)) count += 1;
    last.set(r.deviceId, Math.max(t, last.get(r.deviceId) ?? 0));
  }
  return count;
};

const byId = (events: DeviceEvent[]) => [...events].sort((a, b) => a.eventId.localeCompare(b.eventId));

describe('event-time order', () => {
  const inOrder = demoTelemetry(T0);
  const config = fixtureRules(); // 30 s allowed lateness

  it('readings delayed within the allowed lateness give exactly the events of the in-order stream', () => {
    const expected = run(config, inOrder, { close: true }).events;
    expect(expected.length).toBeGreaterThan(10);
    for (const seed of [1, 2, 3]) {
      const shuffled = arrivalOrder(inOrder, 25, seed);
      expect(inversions(shuffled)).toBeGreaterThan(50);
      const { events, outcomes } = run(config, shuffled, { close: true });
      expect(outcomes.filter((o) => o === 'late')).toHaveLength(0);
      // Devices' incidents may interleave differently; each incident's messages are the same.
      expect(byId(events)).toEqual(byId(expected));
    }
  });

  it('without lateness allowed, the same shuffle loses readings as late and changes the events', () => {
    const strict = { ...config, allowedLatenessSeconds: 0 };
    const expected = run(strict, inOrder, { close: true }).events;
    const { events, outcomes } = run(strict, arrivalOrder(inOrder, 25, 1), { close: true });
    expect(outcomes.filter((o) => o === 'late').length).toBeGreaterThan(50);
    expect(byId(events)).not.toEqual(byId(expected));
  });

  it('a reading older than one already applied for its device is dead-lettered as late, and changes nothing', () => {
    const events: DeviceEvent[] = [];
    const engine = new RuleEngine(config, (e) => events.push(e));
    const deadLetters = new MemoryDeadLetters();
    const intake = new TelemetryIntake(engine, config, deadLetters);
    const truck = inOrder.filter((r) => r.deviceId === 'truck-a');
    for (const r of truck.slice(0, 40))
      intake.handle(`devices/${r.deviceId}/telemetry`, JSON.stringify(r), T0);
    const stale = truck[10] as Telemetry;
    const before = engine.stats().applied;
    expect(intake.handle('devices/truck-a/telemetry', JSON.stringify(stale), T0)).toBe('dead');
    expect(deadLetters.entries).toEqual([
      expect.objectContaining({ code: 'TELEMETRY_LATE', topic: 'devices/truck-a/telemetry' }),
    ]);
    expect(deadLetters.entries[0]?.reason).toContain(stale.time);
    expect(engine.stats()).toMatchObject({ applied: before, late: 1 });
  });

  it('redelivered readings (MQTT QoS 1 duplicates) count once: same events, no dead letters', () => {
    const expected = run(config, inOrder, { close: true }).events;
    const random = new Rng(9);
    const twice = arrivalOrder(
      inOrder.flatMap((r) => (random.next() < 0.3 ? [r, { ...r }] : [r])),
      20,
      4,
    );
    const { events, outcomes, engine } = run(config, twice, { close: true });
    expect(byId(events)).toEqual(byId(expected));
    expect(outcomes.filter((o) => o === 'duplicate').length).toBe(twice.length - inOrder.length);
    expect(engine.stats()).toMatchObject({ late: 0, applied: inOrder.length });
    // Two sensor kinds of one device at the same instant are not duplicates of each other.
    const [pm10] = inOrder.filter((r) => r.type === 'sensor');
    const pair = run(config, [pm10 as Telemetry, { ...(pm10 as Telemetry), kind: 'noise' } as Telemetry]);
    expect(pair.outcomes).not.toContain('duplicate');
    expect(pair.engine.stats().applied).toBe(2);
  });

  it('a device that goes quiet has its held readings applied when event time moves on', () => {
    const events: DeviceEvent[] = [];
    const engine = new RuleEngine(config, (e) => events.push(e));
    // The truck's whole crossing, then nothing more from it: the last 30 s wait for the watermark.
    const truck = inOrder.filter((r) => r.deviceId === 'truck-a');
    for (const r of truck) engine.ingest(r);
    const last = Date.parse(truck.at(-1)?.time ?? '');
    expect(engine.stats().applied).toBeLessThan(truck.length);
    engine.advance(last);
    expect(engine.stats().applied).toBe(truck.length);
    expect(events.map((e) => e.phase)).toEqual(['start', 'end']);
  });
});
