import { describe, expect, it } from 'vitest';
import type { DeviceEvent } from '../../foundation/contract/events.ts';
import type { Telemetry } from '../../foundation/contract/telemetry.ts';
import type { OpenDeviceIncident } from '../../iot/rules/incident-resume.ts';
import { RuleEngine } from '../../iot/rules/rule-engine.ts';
import type { RulesConfig } from '../../iot/rules/rule-schema.ts';
import { rules, T0 } from './helpers.ts';

const dust = (seconds: number, value: number): Telemetry => ({
  type: 'sensor',
  schemaVersion: 1,
  deviceId: 'dust-1',
  kind: 'pm10',
  value,
  unit: 'µg/m³',
  time: new Date(T0 + seconds * 1000).toISOString(),
});

const threshold = rules({
  resumeGraceSeconds: 120,
  rules: [
    {
      name: 'dust',
      kind: 'threshold',
      event: 'dust_exceedance',
      sensor: 'pm10',
      high: 150,
      low: 120,
      clearSeconds: 60,
      updateSeconds: 30,
    },
  ],
});

/** An engine over `config` and the events it raises. */
function engine(config: RulesConfig) {
  const events: DeviceEvent[] = [];
  return { events, engine: new RuleEngine(config, (e) => events.push(e)) };
}

/** The open incidents of a node that ran `readings` and was then killed. */
function killedAfter(config: RulesConfig, readings: readonly Telemetry[]) {
  const before = engine(config);
  for (const r of readings) before.engine.ingest(r);
  return { events: before.events, open: before.engine.openIncidents() };
}

const phases = (events: readonly DeviceEvent[]) => events.map((e) => `${e.phase} ${e.sequence}`);

describe('a rules node taking up its journaled incidents after a restart', () => {
  const highFor = (from: number, to: number) =>
    Array.from({ length: (to - from) / 10 + 1 }, (_, k) => dust(from + k * 10, 200));

  it('carries an incident on as if never stopped: same id, updates on the same grid, no second start', () => {
    const { events: before, open } = killedAfter(threshold, highFor(0, 70));
    expect(phases(before)).toEqual(['start 0', 'update 1', 'update 2']);
    expect(open).toHaveLength(1);
    // The journal is plain JSON.
    const journaled = JSON.parse(JSON.stringify(open)) as OpenDeviceIncident[];

    const after = engine(threshold);
    after.engine.resume(
      journaled.map((i) => ({ ...i, source: { ...i.source, lat: Number.NaN, lon: Number.NaN } })),
    );
    for (const r of [...highFor(80, 100), dust(110, 100), dust(200, 100)]) after.engine.ingest(r);
    expect(phases(after.events)).toEqual(['update 3', 'end 4']);
    expect(new Set(after.events.map((e) => e.incidentId))).toEqual(new Set([before[0]?.incidentId]));
    const end = after.events.at(-1) as DeviceEvent;
    expect(end.startedAt).toBe(before[0]?.startedAt);
    expect(end.endedAt).toBe(new Date(T0 + 100_000).toISOString());
    // Its readings summary spans both runs: 8 readings before the kill, 3 after.
    expect(end.readings?.count).toBe(11);
  });

  it('ends one no reading takes up, once the watermark passes its grace, dated when it last held', () => {
    const { events: before, open } = killedAfter(threshold, highFor(0, 70));
    const after = engine(threshold);
    after.engine.resume(open);
    after.engine.advance(T0 + 70_000 + 120_000 - 1);
    expect(after.events).toEqual([]);
    after.engine.advance(T0 + 70_000 + 120_000);
    expect(phases(after.events)).toEqual(['end 3']);
    expect(after.events[0]).toMatchObject({
      incidentId: before[0]?.incidentId,
      endedAt: new Date(T0 + 70_000).toISOString(),
      observedAt: new Date(T0 + 190_000).toISOString(),
    });
    // Another device's reading does not take it up.
    const other = engine(threshold);
    other.engine.resume(open);
    other.engine.ingest({ ...dust(100, 200), deviceId: 'dust-2' });
    other.engine.advance(T0 + 190_000);
    expect(other.events.map((e) => `${e.deviceId} ${e.phase}`)).toEqual(['dust-2 start', 'dust-1 end']);
  });

  it('ends at once an incident whose rule is gone from the config', () => {
    const { open } = killedAfter(threshold, highFor(0, 70));
    const after = engine(
      rules({
        rules: [
          { name: 'noise', kind: 'threshold', event: 'noise_exceedance', sensor: 'noise', high: 70, low: 65 },
        ],
      }),
    );
    after.engine.resume(open);
    expect(after.events).toMatchObject([
      { phase: 'end', rule: 'dust', endedAt: new Date(T0 + 70_000).toISOString() },
    ]);
  });

  it('carries a silence on while the device stays silent, and ends it when the device reports', () => {
    const silence = rules({
      rules: [{ name: 'silent', kind: 'silence', event: 'device_silent', seconds: 60, updateSeconds: 60 }],
    });
    const before = engine(silence);
    before.engine.ingest(dust(0, 50));
    before.engine.advance(T0 + 61_000);
    expect(phases(before.events)).toEqual(['start 0']);

    const after = engine(silence);
    after.engine.resume(before.engine.openIncidents());
    after.engine.advance(T0 + 125_000);
    after.engine.ingest(dust(130, 50));
    expect(phases(after.events)).toEqual(['update 1', 'end 2']);
    expect(after.events.at(-1)).toMatchObject({
      incidentId: before.events[0]?.incidentId,
      endedAt: new Date(T0 + 130_000).toISOString(),
    });
  });
});
