import type { MqttClient } from 'mqtt';
import type { Telemetry } from '../../foundation/contract/telemetry.ts';
import { topics } from '../../foundation/contract/topics.ts';

/**
 * Publishes readings (in time order) on their devices' telemetry topics, QoS 1, paced so that event
 * time runs `speed` times faster than the clock; `max`: as fast as the broker acknowledges.
 */
export async function publishTelemetry(
  client: MqttClient,
  readings: readonly Telemetry[],
  options: { speed: number | 'max'; onProgress?: (sent: number) => void },
): Promise<void> {
  const first = readings[0];
  if (!first) return;
  const t0 = Date.parse(first.time);
  const started = performance.now();
  let sent = 0;
  for (const reading of readings) {
    if (options.speed !== 'max') {
      const dueMs = (Date.parse(reading.time) - t0) / options.speed;
      const wait = dueMs - (performance.now() - started);
      if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    }
    await client.publishAsync(topics.telemetry(reading.deviceId), JSON.stringify(reading), { qos: 1 });
    options.onProgress?.(++sent);
  }
}
