// Issue 18 item 5 ("Incidents open at an edge's kill -9 never end"; "the IoT rules node has the same
// gap"): the edge and the rules node journal their open incidents. `kill -9` with one open and a
// quick restart carries it on (same incident id, the sequence going on, no second start, so no second
// ticket); when it does not come back within its grace, the restarted node ends it, dated when it
// was last seen.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connect, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import {
  type DeviceEvent,
  type EdgeEvent,
  type IncidentMessage,
  parseIncidentMessage,
} from '../../foundation/contract/events.ts';
import { topics } from '../../foundation/contract/topics.ts';
import { startMosquitto, type TestBroker } from '../delivery/mosquitto.ts';
import { DeliveryHarness, type Subscriber } from '../delivery/mqtt-harness.ts';
import { type EdgeRun, runEdge, waitUntil, writeVtestConfig } from '../support/edge-process.ts';
import { spawnTsx, type TsxChild } from '../support/spawn-tsx.ts';

let broker: TestBroker;
let harness: DeliveryHarness;
let work: string;

beforeAll(async () => {
  work = mkdtempSync(path.join(os.tmpdir(), 'incident-journal-'));
  broker = await startMosquitto();
  harness = new DeliveryHarness();
});
afterAll(async () => {
  await harness?.dispose();
  await broker?.dispose();
  rmSync(work, { recursive: true, force: true });
});

const received = <T extends IncidentMessage>(sub: Subscriber) =>
  sub.messages.map((m) => {
    const parsed = parseIncidentMessage(JSON.parse(m.payload));
    if (!parsed.ok) throw new Error(parsed.error);
    return parsed.event as T;
  });

async function killed(child: TsxChild): Promise<void> {
  child.child.kill('SIGKILL');
  await child.exited;
}

describe('edge: kill -9 with an incident open', () => {
  /** The van parked in the bay: a parking incident after 3 s; the bay moved off it with `vanGone`. */
  const config = (name: string, dataDir: string, vanGone = false) =>
    writeVtestConfig(work, name, (c) => {
      const camera = c.cameras[0] as (typeof c.cameras)[number];
      camera.scenarios = [{ type: 'parking', zone: 'parking_bay', maxSeconds: 3, clearSeconds: 4 }];
      const bay = camera.zones.find((z) => z.name === 'parking_bay') as (typeof camera.zones)[number];
      if (vanGone)
        bay.points = [
          [0, 0.9],
          [0.1, 0.9],
          [0.1, 1],
          [0, 1],
        ];
      c.mqtt = { url: broker.url };
      c.dataDir = dataDir;
      c.live = { enabled: false };
      c.evidence = { clips: { enabled: false } };
    });
  const parking = (events: readonly EdgeEvent[]) =>
    events.filter((e) => e.scenario === 'parking_parking_bay');

  /** Runs the edge until its parking incident has started, then kills it; returns that start. */
  async function openThenKill(edge: EdgeRun): Promise<EdgeEvent> {
    await waitUntil(
      () => parking(edge.printed).length > 0,
      60_000,
      () => `the van's parking incident; ${edge.stderr().slice(-1500)}`,
    );
    await killed(edge);
    return parking(edge.printed)[0] as EdgeEvent;
  }

  it('restarted quickly, carries the incident on: an update with the same id, never a second start', async () => {
    const sub = await harness.subscribe(broker.url, 'edges/edge-demo/events/#', 'journal-edge-continue');
    const dataDir = path.join(work, 'edge-continue');
    const file = config('continue', dataDir);
    const start = await openThenKill(runEdge(file));
    expect(start.phase).toBe('start');

    const second = runEdge(file);
    try {
      await waitUntil(
        () => parking(second.printed).length > 0,
        60_000,
        () => `the restarted edge to take the incident up; ${second.stderr().slice(-1500)}`,
      );
      const [continued] = parking(second.printed);
      expect(continued).toMatchObject({
        incidentId: start.incidentId,
        startedAt: start.startedAt,
        phase: 'update',
        sequence: start.sequence + 1,
      });
      second.child.kill('SIGINT');
      expect(await second.exited).toBe(0);
    } finally {
      await killed(second);
    }
    await sub.waitUntil((m) => m.some((x) => x.payload.includes('"phase":"end"')), 'the end of a clean stop');
    const events = parking(received<EdgeEvent>(sub));
    expect(new Set(events.map((e) => e.incidentId))).toEqual(new Set([start.incidentId]));
    expect(events.filter((e) => e.phase === 'start')).toHaveLength(1);
    const sequences = [...new Set(events.map((e) => e.sequence))].sort((a, b) => a - b);
    expect(sequences).toEqual(sequences.map((_, k) => k));
  }, 150_000);

  it('restarted without the van, ends the incident dated when it was last seen', async () => {
    const sub = await harness.subscribe(broker.url, 'edges/edge-demo/events/#', 'journal-edge-end');
    const dataDir = path.join(work, 'edge-end');
    const first = runEdge(config('end-before', dataDir));
    const start = await openThenKill(first);
    const killedAt = Date.now();

    // The van left while the edge was down: its bay (same scenario, same zone name) is empty now.
    const second = runEdge(config('end-after', dataDir, true));
    try {
      await waitUntil(
        () => parking(second.printed).some((e) => e.phase === 'end'),
        60_000,
        () => `the restarted edge to end the incident; ${second.stderr().slice(-1500)}`,
      );
      second.child.kill('SIGINT');
      expect(await second.exited).toBe(0);
    } finally {
      await killed(second);
    }
    const after = parking(second.printed);
    expect(after.filter((e) => e.phase === 'start')).toEqual([]);
    const end = after.find((e) => e.phase === 'end') as EdgeEvent;
    expect(end).toMatchObject({ incidentId: start.incidentId, startedAt: start.startedAt });
    const lastBefore = Math.max(...parking(first.printed).map((e) => e.sequence));
    expect(end.sequence).toBe(lastBefore + 1);
    expect(Date.parse(end.endedAt as string)).toBeLessThanOrEqual(killedAt);
    expect(Date.parse(end.endedAt as string)).toBeGreaterThanOrEqual(Date.parse(start.observedAt));
    await sub.waitUntil(
      (m) => m.some((x) => x.payload.includes(`"eventId":"${end.eventId}"`)),
      'the end published',
    );
  }, 150_000);
});

describe('IoT rules node: kill -9 with an incident open', () => {
  const nodeId = 'journal-iot';
  const rulesFile = () => {
    const file = path.join(work, 'rules.yaml');
    writeFileSync(
      file,
      stringify({
        nodeId,
        allowedLatenessSeconds: 0,
        resumeGraceSeconds: 3,
        rules: [
          {
            name: 'dust',
            kind: 'threshold',
            event: 'dust_exceedance',
            sensor: 'pm10',
            high: 100,
            low: 80,
            clearSeconds: 2,
            updateSeconds: 1,
          },
        ],
      }),
    );
    return file;
  };
  const startNode = () =>
    spawnTsx('apps/iot/main.ts', [
      'run',
      '--rules',
      rulesFile(),
      '--url',
      broker.url,
      '--publish',
      '--outbox',
      path.join(work, 'iot-outbox'),
      '--journal',
      path.join(work, 'iot-journal'),
    ]);
  const printed = (node: TsxChild) =>
    node
      .stdout()
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as DeviceEvent);

  /** A dust sensor reading 150 µg/m³ every 200 ms while `on()`. */
  function dusty(client: MqttClient, deviceId: string) {
    let on = true;
    const timer = setInterval(() => {
      if (!on) return;
      const reading = {
        type: 'sensor',
        deviceId,
        kind: 'pm10',
        value: 150,
        unit: 'µg/m³',
        time: new Date().toISOString(),
      };
      void client
        .publishAsync(topics.telemetry(deviceId), JSON.stringify(reading), { qos: 1 })
        .catch(() => {});
    }, 200);
    return {
      pause: () => {
        on = false;
      },
      stop: () => clearInterval(timer),
    };
  }

  async function runUntilOpen(deviceId: string): Promise<{ node: TsxChild; start: DeviceEvent }> {
    const node = startNode();
    await waitUntil(
      () => node.stderr().includes('rules node'),
      60_000,
      () => `the node; ${node.stderr()}`,
    );
    await waitUntil(
      () => printed(node).some((e) => e.deviceId === deviceId && e.phase === 'update'),
      20_000,
      () => `an update of ${deviceId}; ${node.stderr()}`,
    );
    return { node, start: printed(node).find((e) => e.deviceId === deviceId) as DeviceEvent };
  }

  let sensor: MqttClient;
  beforeAll(async () => {
    sensor = connect(broker.url, { protocolVersion: 5, clientId: 'journal-sensor' });
    await new Promise((resolve) => sensor.once('connect', resolve));
  });
  afterAll(async () => {
    await sensor?.endAsync(true);
  });

  it('restarted quickly, carries the incident on; ends it on a clean stop; never a second start', async () => {
    const sub = await harness.subscribe(broker.url, `edges/${nodeId}/events/#`, 'journal-iot-continue');
    const readings = dusty(sensor, 'dust-a');
    try {
      const { node: first, start } = await runUntilOpen('dust-a');
      expect(start.phase).toBe('start');
      await killed(first);
      const lastBefore = Math.max(...printed(first).map((e) => e.sequence));
      const second = startNode();
      try {
        await waitUntil(
          () => printed(second).some((e) => e.deviceId === 'dust-a'),
          60_000,
          () => `the restarted node to carry the incident on; ${second.stderr()}`,
        );
        expect(printed(second)[0]).toMatchObject({
          incidentId: start.incidentId,
          phase: 'update',
          sequence: lastBefore + 1,
        });
        second.child.kill('SIGINT');
        expect(await second.exited).toBe(0);
      } finally {
        await killed(second);
      }
    } finally {
      readings.stop();
    }
    await sub.waitUntil((m) => m.some((x) => x.payload.includes('"phase":"end"')), 'the end of a clean stop');
    const events = received<DeviceEvent>(sub).filter((e) => e.deviceId === 'dust-a');
    expect(events.filter((e) => e.phase === 'start')).toHaveLength(1);
    expect(new Set(events.map((e) => e.incidentId)).size).toBe(1);
    const sequences = [...new Set(events.map((e) => e.sequence))].sort((a, b) => a - b);
    expect(sequences).toEqual(sequences.map((_, k) => k));
  }, 120_000);

  it('restarted while the sensor stays quiet, ends the incident once its grace has passed', async () => {
    const sub = await harness.subscribe(broker.url, `edges/${nodeId}/events/#`, 'journal-iot-end');
    const readings = dusty(sensor, 'dust-b');
    let first: TsxChild | undefined;
    let start: DeviceEvent;
    try {
      ({ node: first, start } = await runUntilOpen('dust-b'));
      readings.pause();
      await killed(first);
    } finally {
      readings.stop();
    }
    const lastReadingAt = Date.now();
    const second = startNode();
    try {
      await waitUntil(
        () => printed(second).some((e) => e.deviceId === 'dust-b' && e.phase === 'end'),
        30_000,
        () => `the restarted node to end the incident; ${second.stderr()}`,
      );
    } finally {
      await killed(second);
    }
    const end = printed(second).find((e) => e.deviceId === 'dust-b') as DeviceEvent;
    expect(end).toMatchObject({ incidentId: start.incidentId, phase: 'end' });
    expect(Date.parse(end.endedAt as string)).toBeLessThanOrEqual(lastReadingAt);
    await sub.waitUntil(
      (m) => m.some((x) => x.payload.includes(`"eventId":"${end.eventId}"`)),
      'the end published',
    );
    expect(
      received<DeviceEvent>(sub).filter((e) => e.deviceId === 'dust-b' && e.phase === 'start'),
    ).toHaveLength(1);
  }, 120_000);
});
