import { connectAsync, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CloudTelemetry, startCloudTelemetry } from '../../apps/cloud/cloud-telemetry.ts';
import { type EmbeddedBroker, startEmbeddedBroker } from '../../cloud/mqtt/embedded-broker.ts';
import { topics } from '../../foundation/contract/topics.ts';
import { simulateVehicle } from '../../iot/simulator/simulate.ts';
import { openCore } from './support/core.ts';
import { backends } from './support/databases.ts';
import { FIXTURE_DIR } from './support/fixtures.ts';
import { until } from './support/until.ts';

describe.each(backends)('cloud telemetry on the embedded broker (aedes, MQTT 3.1.1; $name)', (backend) => {
  let broker: EmbeddedBroker;
  let opened: Awaited<ReturnType<typeof openCore>>;
  let telemetry: CloudTelemetry;
  let device: MqttClient;

  beforeAll(async () => {
    broker = await startEmbeddedBroker(0);
    opened = await openCore(backend, new Date().toISOString());
    telemetry = await startCloudTelemetry({
      config: {
        ...opened.core.config,
        iot: { rules: `${FIXTURE_DIR}/iot-rules.yaml`, radiusMeters: 300, maxOffsetSeconds: 60 },
      },
      mqttUrl: broker.url,
      protocolVersion: 4,
      core: opened.core,
      retry: { initialMs: 100, maxMs: 400 },
    });
    device = await connectAsync(broker.url, { protocolVersion: 4, reconnectPeriod: 0 });
  });

  afterAll(async () => {
    await device?.endAsync(true);
    await telemetry?.stop();
    await broker?.close();
    await opened?.dispose();
  });

  it('takes every device with a plain subscription: garbage is dead-lettered, a no-go crossing is one ticket', async () => {
    const reports = simulateVehicle({
      deviceId: 'truck-aedes',
      plate: '粤AK9012',
      route: [
        [113.232, 23.13],
        [113.244, 23.13],
      ],
      speedKmh: 30,
      startMs: Date.now() - 10 * 60_000,
      intervalSeconds: 5,
      positionNoiseMeters: 4,
      seed: 3,
    });
    await device.publishAsync(topics.telemetry('truck-aedes'), 'not json', { qos: 1 });
    for (const r of reports)
      await device.publishAsync(topics.telemetry(r.deviceId), JSON.stringify(r), { qos: 1 });
    await until(async () => telemetry.positions?.size === reports.length, 'every position');
    const tickets = await until(async () => {
      const { tickets } = await opened.core.store.tickets.list({ limit: 100 });
      return tickets.length > 0 && tickets;
    }, 'the ticket');
    expect(tickets.map((t) => [t.category, t.deviceId, t.gridId])).toEqual([
      ['muck_truck_no_go', 'truck-aedes', 'ln-north-g2'],
    ]);
    const letters = await opened.db.query<{ code: string; topic: string }>(
      'SELECT code, topic FROM dead_letters',
    );
    expect(letters).toEqual([{ code: 'TELEMETRY_NOT_JSON', topic: 'devices/truck-aedes/telemetry' }]);
  });

  it('holds what a failing database would lose, and stores it in order once the database is back', async () => {
    const reports = simulateVehicle({
      deviceId: 'truck-outage',
      plate: '粤AQ1111',
      route: [
        [113.232, 23.1302],
        [113.244, 23.1302],
      ],
      speedKmh: 30,
      startMs: Date.now() - 5 * 60_000,
      intervalSeconds: 5,
      seed: 4,
    });
    const db = opened.db;
    await db.query('ALTER TABLE events RENAME TO events_away');
    try {
      for (const r of reports)
        await device.publishAsync(topics.telemetry(r.deviceId), JSON.stringify(r), { qos: 1 });
      await new Promise((r) => setTimeout(r, 2500));
    } finally {
      await db.query('ALTER TABLE events_away RENAME TO events');
    }
    const phases = await until(async () => {
      const rows = await db.query<{ phase: string }>(
        "SELECT phase FROM events WHERE device_id = 'truck-outage' ORDER BY received_at, sequence",
      );
      return rows.length === 2 && rows.map((r) => r.phase);
    }, 'both events of the crossing');
    expect(phases).toEqual(['start', 'end']);
    const { tickets } = await opened.core.store.tickets.list({ limit: 100 });
    expect(tickets.filter((t) => t.deviceId === 'truck-outage')).toHaveLength(1);
  });
});
