import { connect, type MqttClient } from 'mqtt';
import type { PositionReport } from '../../../foundation/contract/telemetry.ts';
import { topics } from '../../../foundation/contract/topics.ts';

/**
 * Two muck trucks' terminals for the rules node of fixtures/cloud/iot-rules.yaml, reporting every
 * second: one parked inside the Lingnan school no-go area the whole soak (an episode that stays
 * open, for the rules node's kill -9), one driving in for 25 s and out for 35 s, so episodes
 * start and end (its clear time is 20 s). Readings queue in the client while the broker is away.
 */
const INSIDE = { lat: 23.1302, lon: 113.2389 };
const OUTSIDE = { lat: 23.125, lon: 113.2389 };
const CYCLE_MS = 60_000;
const INSIDE_MS = 25_000;

export interface TelemetryDriver {
  readonly sent: number;
  stop(): Promise<void>;
}

export function startTelemetryDriver(url: string): TelemetryDriver {
  const client: MqttClient = connect(url, {
    protocolVersion: 5,
    clientId: 'soak-telemetry',
    reconnectPeriod: 500,
  });
  client.on('error', () => {});
  const started = Date.now();
  let sent = 0;
  const report = (deviceId: string, plate: string, at: { lat: number; lon: number }): PositionReport => ({
    type: 'position',
    schemaVersion: 1,
    deviceId,
    plate,
    ...at,
    speedKmh: 0,
    time: new Date().toISOString(),
  });
  const timer = setInterval(() => {
    const inCycle = (Date.now() - started) % CYCLE_MS;
    const readings = [
      report('soak-truck-parked', '粤A00001', INSIDE),
      report('soak-truck-passing', '粤A00002', inCycle < INSIDE_MS ? INSIDE : OUTSIDE),
    ];
    for (const r of readings) {
      client.publish(topics.telemetry(r.deviceId), JSON.stringify(r), { qos: 1 });
      sent++;
    }
  }, 1000);
  return {
    get sent() {
      return sent;
    },
    async stop() {
      clearInterval(timer);
      await client.endAsync(true);
    },
  };
}
