import { describe, expect, it } from 'vitest';
import type { DeviceEvent } from '../../foundation/contract/events.ts';
import {
  MAX_TELEMETRY_BYTES,
  MemoryDeadLetters,
  TelemetryIntake,
} from '../../iot/consumer/telemetry-intake.ts';
import { PositionStore } from '../../iot/correlate/position-store.ts';
import { RuleEngine } from '../../iot/rules/rule-engine.ts';
import { fixtureRules, T0 } from './helpers.ts';

const position = {
  type: 'position',
  deviceId: 'truck-a',
  plate: '粤AD1234',
  lat: 22.94,
  lon: 113.37,
  speedKmh: 20,
  time: new Date(T0).toISOString(),
};

function intake() {
  const events: DeviceEvent[] = [];
  const engine = new RuleEngine(fixtureRules(), (e) => events.push(e));
  const deadLetters = new MemoryDeadLetters();
  const positions = new PositionStore();
  return {
    engine,
    deadLetters,
    positions,
    events,
    intake: new TelemetryIntake(engine, fixtureRules(), deadLetters, positions),
  };
}

describe('telemetry intake', () => {
  it('dead-letters every kind of bad message with a code and a reason naming the fault, and carries on', () => {
    const { intake: handle, deadLetters, engine, positions } = intake();
    const topic = 'devices/truck-a/telemetry';
    const cases: [string, string | Buffer, string, RegExp][] = [
      [
        'devices/truck-a/status',
        JSON.stringify(position),
        'TELEMETRY_TOPIC_INVALID',
        /devices\/truck-a\/status/,
      ],
      [topic, '{"type": "position", ', 'TELEMETRY_NOT_JSON', /JSON/],
      [topic, Buffer.alloc(MAX_TELEMETRY_BYTES + 1, 32), 'TELEMETRY_TOO_LARGE', /4097 bytes/],
      [
        topic,
        JSON.stringify({ ...position, lat: 95, speedKmh: -3 }),
        'TELEMETRY_INVALID',
        /lat[\s\S]*speedKmh/,
      ],
      [topic, JSON.stringify({ ...position, type: 'gyro' }), 'TELEMETRY_INVALID', /type/],
      [topic, JSON.stringify({ ...position, time: '21/11/2026 08:00' }), 'TELEMETRY_INVALID', /time/],
      [
        topic,
        JSON.stringify({
          type: 'sensor',
          deviceId: 'truck-a',
          kind: 'PM 10',
          value: 'high',
          unit: '',
          time: position.time,
        }),
        'TELEMETRY_INVALID',
        /kind[\s\S]*value[\s\S]*unit/,
      ],
      [
        'devices/truck-b/telemetry',
        JSON.stringify(position),
        'TELEMETRY_DEVICE_MISMATCH',
        /truck-a.*truck-b/,
      ],
      [
        topic,
        JSON.stringify({ ...position, time: new Date(T0 + 3600_000).toISOString() }),
        'TELEMETRY_FUTURE',
        /3600 s ahead/,
      ],
    ];
    for (const [t, payload] of cases) expect(handle.handle(t, payload, T0)).toBe('dead');
    expect(deadLetters.entries.map((d) => d.code)).toEqual(cases.map((c) => c[2]));
    deadLetters.entries.forEach((d, k) => {
      expect(d.reason, d.code).toMatch(cases[k]?.[3] as RegExp);
      expect(d.topic).toBe(cases[k]?.[0]);
      expect(d.receivedAt).toBe(new Date(T0).toISOString());
    });
    expect(deadLetters.entries[2]?.payload.length).toBe(2000);
    // Nothing bad reached the engine or the position store; a good reading after them still does.
    expect(engine.stats().received).toBe(0);
    expect(positions.size).toBe(0);
    expect(handle.handle(topic, JSON.stringify(position), T0)).not.toBe('dead');
    expect(engine.stats().received).toBe(1);
    expect(positions.size).toBe(1);
  });

  it('accepts fields a newer terminal adds, and a sensor with its own location', () => {
    const { intake: handle, deadLetters } = intake();
    const extra = { ...position, altitude: 12, satellites: 9 };
    expect(handle.handle('devices/truck-a/telemetry', JSON.stringify(extra), T0)).not.toBe('dead');
    const reading = {
      type: 'sensor',
      deviceId: 'dust-9',
      kind: 'pm10',
      value: 88,
      unit: 'µg/m³',
      time: position.time,
      lat: 22.9,
      lon: 113.3,
    };
    expect(handle.handle('devices/dust-9/telemetry', JSON.stringify(reading), T0)).not.toBe('dead');
    expect(deadLetters.entries).toEqual([]);
  });
});
