import { randomBytes } from 'node:crypto';
import { connect, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DeviceEvent, parseIncidentMessage } from '../../foundation/contract/events.ts';
import { topics } from '../../foundation/contract/topics.ts';
import { parseRulesConfig } from '../../iot/config/load-rules-config.ts';
import { mqttEventPublisher, TelemetryConsumer } from '../../iot/consumer/mqtt-telemetry-consumer.ts';
import { MemoryDeadLetters } from '../../iot/consumer/telemetry-intake.ts';
import { simulateVehicle } from '../../iot/simulator/simulate.ts';
import { fixtureRules } from './helpers.ts';

// The machine's shared mosquitto: unique device ids, node id and client ids keep runs apart.
const BROKER = 'mqtt://127.0.0.1:1883';
const run = `${process.pid}-${randomBytes(3).toString('hex')}`;
const nodeId = `iot-test-${run}`;
const deviceId = `truck-${run}`;

const open = (clientId: string) =>
  new Promise<MqttClient>((resolve, reject) => {
    const client = connect(BROKER, { protocolVersion: 5, clientId, reconnectPeriod: 0 });
    client.once('connect', () => resolve(client));
    client.once('error', reject);
  });

async function waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('telemetry consumer over the real mosquitto', () => {
  let publisher: MqttClient;
  let eventsOut: MqttClient;
  let watcher: MqttClient;
  let consumer: TelemetryConsumer;
  const deadLetters = new MemoryDeadLetters();
  const received: DeviceEvent[] = [];
  const refused: string[] = [];

  beforeAll(async () => {
    publisher = await open(`iot-test-pub-${run}`);
    eventsOut = await open(`iot-test-events-${run}`);
    watcher = await open(`iot-test-watch-${run}`);
    watcher.on('message', (_topic, payload) => {
      const parsed = parseIncidentMessage(JSON.parse(payload.toString()));
      if (parsed.ok && parsed.event.source === 'device') received.push(parsed.event);
      else refused.push(payload.toString());
    });
    await watcher.subscribeAsync(`edges/${nodeId}/events/#`, { qos: 1 });
    consumer = await TelemetryConsumer.start({
      url: BROKER,
      clientId: `iot-test-consumer-${run}`,
      subscriptions: [topics.telemetry(deviceId)],
      rules: parseRulesConfig({ ...fixtureRules(), nodeId }),
      onEvent: mqttEventPublisher(eventsOut),
      deadLetters,
      tickSeconds: 0,
    });
  });

  afterAll(async () => {
    await consumer?.close();
    await Promise.all([publisher, eventsOut, watcher].map((c) => c?.endAsync()));
  });

  it('a truck crossing the no-go area, published as telemetry, comes back as one start and one end event', async () => {
    const reports = simulateVehicle({
      deviceId,
      plate: '粤AD1234',
      route: [
        [113.36, 22.94],
        [113.385, 22.94],
      ],
      speedKmh: 25,
      startMs: Date.now() - 20 * 60_000,
      intervalSeconds: 5,
      positionNoiseMeters: 4,
      seed: 5,
    });
    const topic = topics.telemetry(deviceId);
    // A broken message among them: dead-lettered, and the stream carries on.
    await publisher.publishAsync(topic, '{"type":"position","deviceId":', { qos: 1 });
    for (const r of reports) await publisher.publishAsync(topic, JSON.stringify(r), { qos: 1 });
    await waitFor(
      () => received.filter((e) => e.rule === 'school-no-go').length >= 2,
      15_000,
      'start and end',
    );
    await new Promise((r) => setTimeout(r, 300));
    const noGo = received.filter((e) => e.rule === 'school-no-go');
    expect(noGo.map((e) => `${e.type} ${e.phase}`)).toEqual([
      'muck_truck_no_go start',
      'muck_truck_no_go end',
    ]);
    expect(noGo[0]).toMatchObject({ nodeId, deviceId, plate: '粤AD1234', zone: 'shiqiao-school' });
    expect(noGo[0]?.incidentId).toBe(noGo[1]?.incidentId);
    expect(refused).toEqual([]);
    expect(deadLetters.entries.map((d) => d.code)).toEqual(['TELEMETRY_NOT_JSON']);
    expect(consumer.engine.stats()).toMatchObject({ received: reports.length, late: 0 });
  });
});
