import { describe, expect, it } from 'vitest';
import type { DeviceEvent } from '../../foundation/contract/events.ts';
import { RuleEngine } from '../../iot/rules/rule-engine.ts';
import { mergeByTime, simulateSensor } from '../../iot/simulator/simulate.ts';
import { rules, run, T0, truckA } from './helpers.ts';

const sensor = (deviceId: string, from: number, to: number) =>
  simulateSensor({
    deviceId,
    kind: 'pm10',
    unit: 'µg/m³',
    startMs: T0 + from * 1000,
    durationSeconds: to - from,
    intervalSeconds: 30,
    level: () => 60,
    noise: 3,
    seed: 1,
  });

const silence = (extra: Record<string, unknown> = {}) =>
  rules({
    rules: [{ name: 'silent', kind: 'silence', event: 'device_silent', seconds: 120, ...extra }],
  });

describe('silence rule', () => {
  it('a sensor that stops reporting is silent from 120 s after its last reading until it reports again', () => {
    // dust-2 reports for 10 minutes, stops for 20, then comes back; dust-1 reports all along.
    const readings = mergeByTime(
      sensor('dust-1', 0, 3600),
      sensor('dust-2', 0, 600),
      sensor('dust-2', 1800, 3600),
    );
    const { events } = run(silence(), readings);
    expect(events.map((e) => `${e.deviceId} ${e.phase}`)).toEqual([
      'dust-2 start',
      'dust-2 update',
      'dust-2 update',
      'dust-2 update',
      'dust-2 end',
    ]);
    const [start] = events;
    const end = events.at(-1);
    expect(start?.startedAt).toBe(new Date(T0 + 720_000).toISOString());
    expect(end?.endedAt).toBe(new Date(T0 + 1_800_000).toISOString());
    expect(end?.readings).toMatchObject({ metric: 'silent_seconds', limit: 120 });
    expect(end?.readings?.max).toBe(1200);
  });

  it('is judged by event time: with no other traffic, silence shows only when the watermark is advanced', () => {
    const events: DeviceEvent[] = [];
    const engine = new RuleEngine(silence({ updateSeconds: 0 }), (e) => events.push(e));
    for (const r of sensor('dust-2', 0, 600)) engine.ingest(r);
    expect(events).toHaveLength(0);
    engine.advance(T0 + 600_000 + 119_000);
    expect(events).toHaveLength(0);
    engine.advance(T0 + 600_000 + 120_000);
    expect(events.map((e) => e.phase)).toEqual(['start']);
  });

  it("a live node judges silence by the receiver's clock: one terminal's fast clock silences nobody", () => {
    const readings = mergeByTime(sensor('dust-1', 0, 1200), sensor('dust-2', 0, 1200));
    const fast = sensor('dust-3', 240, 250); // its clock is 4 minutes ahead: stamped T0+240 s at T0
    const feed = (watermark: 'readings' | 'advance') => {
      const events: DeviceEvent[] = [];
      const engine = new RuleEngine(silence(), (e) => events.push(e), { watermark });
      engine.ingest(fast[0] as (typeof fast)[number]);
      // The receiver's clock ticks along with the readings, as TelemetryConsumer's timer does.
      for (const r of readings.filter((r) => Date.parse(r.time) < T0 + 60_000)) {
        engine.ingest(r);
        if (watermark === 'advance') engine.advance(Date.parse(r.time));
      }
      return events.filter((e) => e.deviceId !== 'dust-3');
    };
    expect(feed('advance')).toEqual([]);
    // Driven by the newest reading, the fast clock would put both sensors 4 minutes in silence.
    const misled = feed('readings');
    expect(misled.filter((e) => e.phase === 'start').map((e) => e.deviceId)).toEqual(['dust-1', 'dust-2']);
    for (const e of misled) expect(Date.parse(e.observedAt)).toBeGreaterThanOrEqual(Date.parse(e.startedAt));
  });

  it('watches only the reports it names: a parked truck is not a silent sensor', () => {
    const truck = truckA({
      route: [
        [113.36, 22.94],
        [113.37, 22.94],
      ],
      speedKmh: 30,
      intervalSeconds: 10,
      seed: 1,
    });
    const readings = mergeByTime(truck, sensor('dust-1', 0, 3600));
    expect(run(silence({ reports: 'sensor' }), readings).events).toHaveLength(0);
    expect(run(silence({ reports: 'any' }), readings).events.map((e) => e.deviceId)).toContain('truck-a');
  });
});
