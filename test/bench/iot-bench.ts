import type { Telemetry } from '../../foundation/contract/telemetry.ts';
import { parseTelemetry } from '../../foundation/contract/telemetry.ts';
import type { LonLat } from '../../foundation/geometry/lon-lat.ts';
import { Rng } from '../../foundation/util/seeded-rng.ts';
import { parseRulesConfig } from '../../iot/config/load-rules-config.ts';
import { RuleEngine } from '../../iot/rules/rule-engine.ts';
import type { RulesConfig } from '../../iot/rules/rule-schema.ts';
import { gaussian } from '../../iot/simulator/simulate.ts';
import { collectGarbage } from './process-stats.ts';
import { percentile, printTable } from './stats.ts';

const DEVICES = 1000;
const TRUCKS = 600;
const TICKS = 300;
const TICK_SECONDS = 10;
const RUNS = 3;
const START = Date.parse('2026-11-21T08:00:00+08:00');
const CENTRE: LonLat = [113.38, 22.94];
const progress = (line: string) => process.stderr.write(`iot bench: ${line}\n`);

/** A point within `metres` of the city centre used by the bench. */
function around(random: Rng, metres: number): LonLat {
  const dx = (random.next() * 2 - 1) * metres;
  const dy = (random.next() * 2 - 1) * metres;
  return [CENTRE[0] + dx / (111_320 * Math.cos((CENTRE[1] * Math.PI) / 180)), CENTRE[1] + dy / 111_320];
}

function polygon(random: Rng, centre: LonLat, radius: number, corners: number): LonLat[] {
  return Array.from({ length: corners }, (_, k) => {
    const angle = (2 * Math.PI * k) / corners;
    const r = radius * (0.7 + 0.3 * random.next());
    return [
      centre[0] + (r * Math.cos(angle)) / (111_320 * Math.cos((centre[1] * Math.PI) / 180)),
      centre[1] + (r * Math.sin(angle)) / 111_320,
    ] as LonLat;
  });
}

/** A named polygon of `corners` corners, `radius` metres or so across, within 4 km of the centre. */
function areaNearCentre(random: Rng, name: string, radius: number, corners: number) {
  return { name, polygon: polygon(random, around(random, 4000), radius, corners) };
}

/** 50 rules over a 10 km square: no-go areas, routes, dumping spots, speed zones, dust and noise, silence. */
export function benchRules(): RulesConfig {
  const random = new Rng(42);
  const rules: unknown[] = [];
  for (let k = 0; k < 20; k++) {
    rules.push({
      name: `no-go-${k}`,
      kind: 'geofence',
      event: 'muck_truck_no_go',
      area: {
        name: `no-go-${k}`,
        polygon: polygon(random, around(random, 4000), 300 + random.next() * 500, 8),
      },
      trigger: 'inside',
      clearSeconds: 20,
      ...(k % 2 === 0 ? { activeHours: { from: '07:00', to: '20:00' } } : {}),
    });
  }
  for (let k = 0; k < 5; k++) {
    rules.push({
      name: `route-${k}`,
      kind: 'geofence',
      event: 'muck_truck_off_route',
      area: {
        name: `route-${k}`,
        corridor: Array.from({ length: 6 }, () => around(random, 5000)),
        widthMeters: 200,
      },
      trigger: 'outside',
      devices: Array.from({ length: 20 }, (_, d) => `truck-${k * 20 + d}`),
      minDurationSeconds: 60,
      clearSeconds: 30,
    });
  }
  for (let k = 0; k < 5; k++) {
    rules.push({
      name: `dumping-${k}`,
      kind: 'geofence',
      event: 'illegal_dumping',
      area: areaNearCentre(random, `spot-${k}`, 150, 6),
      trigger: 'inside',
      maxSpeedKmh: 3,
      minDurationSeconds: 180,
    });
  }
  for (let k = 0; k < 10; k++) {
    rules.push({
      name: `speed-${k}`,
      kind: 'rate',
      event: 'speeding',
      maxSpeedKmh: 40,
      area: areaNearCentre(random, `zone-${k}`, 800, 8),
      minDurationSeconds: 20,
    });
  }
  const windows = [
    undefined,
    { type: 'sliding', seconds: 300 },
    { type: 'tumbling', seconds: 600 },
    { type: 'sliding', seconds: 900, aggregate: 'max' },
  ];
  for (const [sensor, event, high, low] of [
    ['pm10', 'dust_exceedance', 150, 120],
    ['noise', 'noise_exceedance', 70, 65],
  ] as const) {
    windows.forEach((window, k) => {
      rules.push({
        name: `${sensor}-${k}`,
        kind: 'threshold',
        event,
        sensor,
        high: high + k * 5,
        low,
        minDurationSeconds: 300,
        ...(window ? { window } : {}),
      });
    });
  }
  rules.push({
    name: 'silent-sensors',
    kind: 'silence',
    event: 'device_silent',
    seconds: 120,
    reports: 'sensor',
  });
  rules.push({
    name: 'silent-trucks',
    kind: 'silence',
    event: 'device_silent',
    seconds: 600,
    reports: 'position',
  });
  return parseRulesConfig({ nodeId: 'bench', allowedLatenessSeconds: 0, rules });
}

/** `ticks` rounds of one reading from every device: trucks wandering at varied speeds, noisy sensors. */
export function benchReadings(
  devices: number,
  ticks: number,
): { readings: Telemetry[]; times: Float64Array } {
  const random = new Rng(7);
  const trucks = Math.round((devices * TRUCKS) / DEVICES);
  const state = Array.from({ length: trucks }, () => ({
    at: around(random, 5000),
    heading: random.next() * 2 * Math.PI,
  }));
  const readings: Telemetry[] = [];
  for (let t = 0; t < ticks; t++) {
    const time = new Date(START + t * TICK_SECONDS * 1000).toISOString();
    for (let d = 0; d < devices; d++) {
      if (d < trucks) {
        const s = state[d] as { at: LonLat; heading: number };
        const speed = d % 7 === 0 ? 0 : 20 + 40 * random.next();
        s.heading += gaussian(random, 0.3);
        const step = (speed / 3.6) * TICK_SECONDS;
        s.at = [
          s.at[0] + (step * Math.sin(s.heading)) / (111_320 * Math.cos((s.at[1] * Math.PI) / 180)),
          s.at[1] + (step * Math.cos(s.heading)) / 111_320,
        ];
        readings.push({
          type: 'position',
          schemaVersion: 1,
          deviceId: `truck-${d}`,
          plate: `粤A${10000 + d}`,
          lat: s.at[1],
          lon: s.at[0],
          speedKmh: speed,
          time,
        });
      } else {
        const dust = d % 2 === 0;
        const base = dust ? (d % 10 === 0 ? 170 : 90) : 66;
        readings.push({
          type: 'sensor',
          schemaVersion: 1,
          deviceId: `sensor-${d}`,
          kind: dust ? 'pm10' : 'noise',
          value: base + gaussian(random, dust ? 15 : 3),
          unit: dust ? 'µg/m³' : 'dB(A)',
          time,
        });
      }
    }
  }
  return { readings, times: Float64Array.from(readings, (r) => Date.parse(r.time)) };
}

function timed(fn: () => void): number {
  const t = performance.now();
  fn();
  return (performance.now() - t) / 1000;
}

/** JS heap plus typed-array backing stores (windows keep theirs outside the heap). */
function heapMb(): number {
  collectGarbage();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return (heapUsed + arrayBuffers) / 1024 / 1024;
}

/**
 * Heap an engine holds after `ticks` readings of each of `devices` devices, per device: the heap
 * with the engine alive less the heap once it is dropped (median of 3).
 */
function bytesPerDevice(config: RulesConfig, devices: number, ticks: number): number {
  const { readings, times } = benchReadings(devices, ticks);
  const samples: number[] = [];
  for (let r = 0; r < 3; r++) {
    let engine: RuleEngine | undefined = new RuleEngine(config, () => {});
    for (let k = 0; k < readings.length; k++) engine.ingest(readings[k] as Telemetry, times[k] as number);
    if (engine.stats().devices !== devices) throw new Error('not every device reached the engine');
    const alive = heapMb();
    engine = undefined;
    const dropped = heapMb();
    samples.push(((alive - dropped) * 1024 * 1024) / devices);
  }
  return percentile(samples, 50);
}

/**
 * Readings through the rule engine (1,000 devices, 50 rules) against a pass-through consumer that
 * only keeps each device's last time, both on the same validated readings; then the wire path
 * (JSON + zod) with and without the engine; then heap per device.
 */
export async function benchIot(): Promise<{ engineRate: number; passRate: number; bytesPerDevice: number }> {
  const config = benchRules();
  const reordering = { ...config, allowedLatenessSeconds: 30 };
  progress(`generating ${DEVICES * TICKS} readings from ${DEVICES} devices`);
  const { readings, times } = benchReadings(DEVICES, TICKS);
  const payloads = readings.map((r) => JSON.stringify(r));
  const n = readings.length;

  const passThrough = () => {
    const last = new Map<string, number>();
    return timed(() => {
      for (let k = 0; k < n; k++) last.set((readings[k] as Telemetry).deviceId, times[k] as number);
    });
  };
  let events = 0;
  const engineRun = (c: RulesConfig) => () => {
    const engine = new RuleEngine(c, () => {
      events += 1;
    });
    return timed(() => {
      for (let k = 0; k < n; k++) engine.ingest(readings[k] as Telemetry, times[k] as number);
    });
  };
  const wire = (withEngine: boolean) => () => {
    const engine = new RuleEngine(config, () => {});
    const last = new Map<string, number>();
    return timed(() => {
      for (let k = 0; k < n; k++) {
        const parsed = parseTelemetry(JSON.parse(payloads[k] as string));
        if (!parsed.ok) throw new Error(parsed.error);
        const t = Date.parse(parsed.value.time);
        if (withEngine) engine.ingest(parsed.value, t);
        else last.set(parsed.value.deviceId, t);
      }
    });
  };

  const runs: Record<string, number[]> = { pass: [], engine: [], reorder: [], wirePass: [], wireEngine: [] };
  const cases: [keyof typeof runs, () => number][] = [
    ['pass', passThrough],
    ['engine', engineRun(config)],
    ['reorder', engineRun(reordering)],
    ['wirePass', wire(false)],
    ['wireEngine', wire(true)],
  ];
  progress('warm-up');
  for (const [, fn] of cases) fn();
  for (let r = 0; r < RUNS; r++) {
    progress(`run ${r + 1}/${RUNS}`);
    for (const [key, fn] of cases) runs[key]?.push(fn());
  }
  const rate = (key: string) => n / percentile(runs[key] ?? [], 50);
  const passRate = rate('pass');
  const engineRate = rate('engine');
  const eventsPerRun = events / (RUNS + 1) / 2;
  printTable(
    `IoT rule engine: ${DEVICES} devices (${TRUCKS} trucks, ${DEVICES - TRUCKS} dust/noise sensors), 50 rules, ${n} readings over ${(TICKS * TICK_SECONDS) / 60} min of event time (median of ${RUNS} runs)`,
    [
      ['run', 'readings/s', 'µs/reading', 'vs pass-through'],
      ['pass-through consumer (last time per device)', passRate, 1e6 / passRate, 1],
      ['rule engine, in order (lateness 0)', engineRate, 1e6 / engineRate, engineRate / passRate],
      [
        'rule engine, 30 s allowed lateness (reordering)',
        rate('reorder'),
        1e6 / rate('reorder'),
        rate('reorder') / passRate,
      ],
      [
        'wire: JSON.parse + zod + pass-through',
        rate('wirePass'),
        1e6 / rate('wirePass'),
        rate('wirePass') / passRate,
      ],
      [
        'wire: JSON.parse + zod + rule engine',
        rate('wireEngine'),
        1e6 / rate('wireEngine'),
        rate('wireEngine') / passRate,
      ],
    ],
  );
  console.log(`events raised per run: ${Math.round(eventsPerRun)} (start/update/end)`);
  console.log(
    `on the wire path (JSON + zod), adding the 50 rules keeps ${((rate('wireEngine') / rate('wirePass')) * 100).toFixed(0)} % of the throughput`,
  );

  progress('memory per device');
  const perDevice = bytesPerDevice(config, DEVICES, 100);
  const perDeviceEarly = bytesPerDevice(config, DEVICES, 10);
  const perDevice10k = bytesPerDevice(config, 10 * DEVICES, 10);
  const perDeviceReorder = bytesPerDevice(reordering, DEVICES, 100);
  printTable(
    'rule engine memory per device (heap + array buffers, engine alive less engine dropped, after full GCs; median of 3)',
    [
      ['devices', 'readings each', 'allowed lateness', 'bytes/device'],
      [String(DEVICES), '100 (16.7 min: windows full)', '0 s', perDevice],
      [String(DEVICES), '10 (1.7 min)', '0 s', perDeviceEarly],
      [String(10 * DEVICES), '10 (1.7 min)', '0 s', perDevice10k],
      [String(DEVICES), '100 (16.7 min: windows full)', '30 s (3 readings held)', perDeviceReorder],
    ],
  );
  return { engineRate, passRate, bytesPerDevice: perDevice };
}

if (import.meta.url === `file://${process.argv[1]}`) await benchIot();
