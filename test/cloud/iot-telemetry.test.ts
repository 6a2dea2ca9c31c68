import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { connectAsync, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CloudTelemetry, startCloudTelemetry } from '../../apps/cloud/cloud-telemetry.ts';
import type { CloudConfig } from '../../cloud/config/cloud-config-schema.ts';
import { MqttConsumer } from '../../cloud/mqtt/mqtt-consumer.ts';
import type { Ticket } from '../../cloud/tickets/ticket-schema.ts';
import type { PositionReport } from '../../foundation/contract/telemetry.ts';
import { topics } from '../../foundation/contract/topics.ts';
import { distanceMeters } from '../../foundation/geometry/lon-lat.ts';
import { simulateVehicle } from '../../iot/simulator/simulate.ts';
import { useTempDir } from '../support/temp-dir.ts';
import { backends } from './support/databases.ts';
import { edgeEvent, message } from './support/events.ts';
import { FIXTURE_DIR } from './support/fixtures.ts';
import { openServer } from './support/server.ts';
import { until } from './support/until.ts';

// The machine's shared mosquitto: every client id, group, device and incident is this run's own.
const BROKER = 'mqtt://127.0.0.1:1883';
const IOT_RULES = path.join(FIXTURE_DIR, 'iot-rules.yaml');
/** Camera ln-school of the fixture registry: Lingnan school road, beside the school's no-go area. */
const CAMERA = { lat: 23.13, lon: 113.24 };

/** When the reading of `reports` nearest the camera was taken. */
const passesCamera = (reports: readonly PositionReport[], camera = CAMERA) =>
  reports.reduce((a, b) =>
    distanceMeters([a.lon, a.lat], [camera.lon, camera.lat]) <=
    distanceMeters([b.lon, b.lat], [camera.lon, camera.lat])
      ? a
      : b,
  ).time;

describe.each(backends)('the cloud runs the IoT rules over telemetry from the broker ($name)', (backend) => {
  const run = `${backend.name}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const uncovered = `truck-${run}`;
  const covered = `truck-covered-${run}`;
  const startMs = Date.now() - 15 * 60_000;
  // Eastward along Lingnan school road, through the school's no-go area, past camera ln-school.
  const crossing = simulateVehicle({
    deviceId: uncovered,
    plate: '粤AD1234',
    route: [
      [113.232, 23.13],
      [113.244, 23.13],
    ],
    speedKmh: 25,
    startMs,
    intervalSeconds: 5,
    positionNoiseMeters: 4,
    speedNoiseKmh: 1.5,
    cargoCover: 'uncovered',
    seed: 11,
  });
  // On the parallel street ~180 m north, a few seconds behind, its cover sensor saying covered.
  const parallel = simulateVehicle({
    deviceId: covered,
    plate: '粤AF5678',
    route: [
      [113.232, 23.1316],
      [113.244, 23.1316],
    ],
    speedKmh: 25,
    startMs: startMs + 10_000,
    intervalSeconds: 5,
    positionNoiseMeters: 4,
    cargoCover: 'covered',
    seed: 12,
  });
  // Past camera ln-market (Lingnan market gate) later on, its positions reaching the cloud only
  // after the camera's event did.
  const late = `truck-late-${run}`;
  const market = simulateVehicle({
    deviceId: late,
    plate: '粤AK9012',
    route: [
      [113.23, 23.12],
      [113.242, 23.12],
    ],
    speedKmh: 25,
    startMs: startMs + 5 * 60_000,
    intervalSeconds: 10,
    positionNoiseMeters: 4,
    cargoCover: 'uncovered',
    seed: 13,
  });
  const notJson = Buffer.from([0xff, 0xfe, 0x7b, 0x00, 0x22]);
  const noPlate = JSON.stringify({
    ...crossing[0],
    plate: undefined,
    time: new Date(startMs - 5000).toISOString(),
  });

  const journalDir = useTempDir('cloud-iot-journal-');
  let opened: Awaited<ReturnType<typeof openServer>>;
  let telemetry: CloudTelemetry;
  let edgeIngest: MqttConsumer;
  let device: MqttClient;

  const deviceTickets = async (deviceId: string) =>
    (await opened.core.store.tickets.list({ limit: 1000 })).tickets.filter((t) => t.deviceId === deviceId);

  beforeAll(async () => {
    opened = await openServer(backend, new Date().toISOString());
    const base = opened.core.config;
    const config: CloudConfig = {
      ...base,
      mqtt: { ...base.mqtt, url: BROKER, clientId: `cloud-iot-${run}`, group: `cloud-iot-${run}` },
      iot: { rules: IOT_RULES, radiusMeters: 300, maxOffsetSeconds: 60, journalDir: journalDir() },
    };
    telemetry = await startCloudTelemetry({ config, mqttUrl: BROKER, protocolVersion: 5, core: opened.core });
    edgeIngest = new MqttConsumer({
      url: BROKER,
      clientId: `cloud-iot-edges-${run}`,
      protocolVersion: 5,
      group: `cloud-iot-${run}`,
      sessionExpirySeconds: 30,
      handle: (batch) => opened.core.processor.processBatch(batch),
    });
    await edgeIngest.ready;
    device = await connectAsync(BROKER, {
      protocolVersion: 5,
      clientId: `devices-${run}`,
      reconnectPeriod: 0,
    });
  });

  afterAll(async () => {
    await device?.endAsync(true);
    await edgeIngest?.close(true);
    await telemetry?.stop();
    await opened?.dispose();
  });

  it('dead-letters malformed telemetry with its code and raw bytes, and carries on', async () => {
    const topic = topics.telemetry(uncovered);
    await device.publishAsync(topic, notJson, { qos: 1 });
    await device.publishAsync(topic, noPlate, { qos: 1 });
    const letters = await until(async () => {
      const rows = await opened.db.query<{ code: string; payload: Uint8Array; reason: string }>(
        'SELECT code, payload, reason FROM dead_letters WHERE topic = $1 ORDER BY id',
        [topic],
      );
      return rows.length >= 2 && rows;
    }, 'two dead letters');
    expect(letters.map((l) => l.code)).toEqual(['TELEMETRY_NOT_JSON', 'TELEMETRY_INVALID']);
    expect(Buffer.from(letters[0]?.payload as Uint8Array).equals(notJson)).toBe(true);
    expect(Buffer.from(letters[1]?.payload as Uint8Array).toString()).toBe(noPlate);
    expect(letters[1]?.reason).toContain('plate');
  });

  it('turns the simulated truck crossing the no-go area into one incident and one ticket, routed by place', async () => {
    for (const reading of [...crossing, ...parallel].sort((a, b) => a.time.localeCompare(b.time)))
      await device.publishAsync(topics.telemetry(reading.deviceId), JSON.stringify(reading), { qos: 1 });
    // QoS 1 redeliveries of a stretch of readings change nothing.
    for (const reading of crossing.slice(10, 20))
      await device.publishAsync(topics.telemetry(uncovered), JSON.stringify(reading), { qos: 1 });
    const phases = await until(async () => {
      const rows = await opened.db.query<{ phase: string }>(
        'SELECT phase FROM events WHERE device_id = $1 ORDER BY sequence',
        [uncovered],
      );
      return rows.some((r) => r.phase === 'end') && rows.map((r) => r.phase);
    }, 'the no-go incident to end');
    expect(phases).toEqual(['start', 'end']);
    const incidents = await opened.db.query<{ n: number }>(
      'SELECT count(DISTINCT incident_id)::int AS n FROM incident_sources WHERE device_id = $1',
      [uncovered],
    );
    expect(incidents[0]?.n).toBe(1);
    const tickets = await deviceTickets(uncovered);
    expect(tickets).toHaveLength(1);
    expect(tickets[0]).toMatchObject({
      source: 'iot',
      category: 'muck_truck_no_go',
      cameraId: null,
      gridId: 'ln-north-g2',
      streetId: 'lingnan',
      department: 'construction-enforcement',
      level: 1,
      state: 'new',
    });
    expect(tickets[0]?.description).toContain('粤AD1234');
    // The truck on the parallel street never entered the area.
    expect(await deviceTickets(covered)).toEqual([]);
    // The instance journals what it holds open (iot.journalDir, a folder per clientId): once ended,
    // the incident has left the journal, so a crash now would not carry it on.
    const journal = JSON.parse(
      readFileSync(path.join(journalDir(), `cloud-iot-${run}`, 'open-incidents.json'), 'utf8'),
    ) as { incidents: unknown[] };
    expect(journal.incidents.filter((i) => JSON.stringify(i).includes(uncovered))).toEqual([]);
  });

  it('lists the truck that passed the camera first on an uncovered-muck-truck ticket, its cover sensor agreeing', async () => {
    await until(
      async () => (telemetry.positions?.size ?? 0) >= crossing.length + parallel.length,
      'positions of both trucks',
    );
    const observedAt = passesCamera(crossing);
    const event = edgeEvent({
      edgeId: 'lingnan-hub',
      cameraId: 'ln-school',
      type: 'muck_truck_uncovered',
      key: run,
      startedAt: new Date(Date.parse(observedAt) - 2000).toISOString(),
      after: 2,
    });
    const { topic, payload } = message(event);
    const ticket = await until(async () => {
      await device.publishAsync(topic, payload, { qos: 1 });
      await new Promise((r) => setTimeout(r, 300));
      const all = (await opened.core.store.tickets.list({ limit: 1000 })).tickets;
      return all.find((t) => t.category === 'muck_truck_uncovered' && t.cameraId === 'ln-school');
    }, 'the camera ticket');
    const response = await opened.app.inject({
      method: 'GET',
      url: `/api/v1/tickets/${ticket.id}`,
      headers: opened.as('operator'),
    });
    expect(response.statusCode).toBe(200);
    const shown = (response.json() as { ticket: Ticket }).ticket;
    expect(shown.department).toBe('construction-enforcement');
    const vehicles = shown.vehicles ?? [];
    expect(vehicles.map((v) => [v.deviceId, v.cover])).toEqual([
      [uncovered, 'confirms'],
      [covered, 'contradicts'],
    ]);
    expect(vehicles[0]?.plate).toBe('粤AD1234');
    expect(vehicles[0]?.distanceMeters).toBeLessThan(30);
    expect(Math.abs(vehicles[0]?.offsetSeconds ?? 99)).toBeLessThanOrEqual(5);
    expect(vehicles[1]?.distanceMeters).toBeGreaterThan(150);
    expect(vehicles[1]?.distanceMeters).toBeLessThan(220);
  });

  it('ranks an observation again as the positions of its minute arrive after it', async () => {
    const observedAt = passesCamera(market, { lat: 23.12, lon: 113.236 });
    const event = edgeEvent({
      edgeId: 'lingnan-hub',
      cameraId: 'ln-market',
      type: 'muck_truck_uncovered',
      key: `late-${run}`,
      startedAt: new Date(Date.parse(observedAt) - 2000).toISOString(),
      after: 2,
    });
    const { topic, payload } = message(event);
    const atMarket = async () =>
      (await opened.core.store.tickets.list({ limit: 1000 })).tickets.find(
        (t) => t.category === 'muck_truck_uncovered' && t.cameraId === 'ln-market',
      );
    const first = await until(async () => {
      await device.publishAsync(topic, payload, { qos: 1 });
      await new Promise((r) => setTimeout(r, 300));
      return atMarket();
    }, 'the market camera ticket');
    // Looked, and nobody was there yet.
    expect(first.vehicles).toEqual([]);
    for (const reading of market)
      await device.publishAsync(topics.telemetry(late), JSON.stringify(reading), { qos: 1 });
    const ticket = await until(async () => {
      const t = await atMarket();
      return t?.vehicles?.length ? t : undefined;
    }, 'the late truck on the ticket');
    expect(ticket.vehicles?.map((v) => [v.deviceId, v.plate, v.cover])).toEqual([
      [late, '粤AK9012', 'confirms'],
    ]);
    expect(ticket.vehicles?.[0]?.distanceMeters).toBeLessThan(50);
  });
});
