import path from 'node:path';
import { connectAsync } from 'mqtt';
import type { Logger } from 'pino';
import { topics } from '../../foundation/contract/topics.ts';
import { loadRulesConfig } from '../../iot/config/load-rules-config.ts';
import { mqttEventPublisher, TelemetryConsumer } from '../../iot/consumer/mqtt-telemetry-consumer.ts';
import { demoTelemetry } from '../../iot/simulator/demo-scenario.ts';
import { publishTelemetry } from '../../iot/simulator/publish-telemetry.ts';

const RULES = path.resolve(import.meta.dirname, '../../fixtures/iot/panyu-rules.yaml');
/** The simulated hour plays in two minutes. */
const SPEED = 30;

export interface DemoIot {
  /** Resolves once the simulated hour has been published and applied. */
  done: Promise<void>;
  stop(): Promise<void>;
}

/**
 * The IoT side of the demo against the cloud's broker: the rule engine consuming the telemetry
 * simulator's hour of Panyu muck trucks and site sensors, its device events published to the cloud.
 */
export async function startDemoIot(mqttUrl: string, log: Logger): Promise<DemoIot> {
  const rules = loadRulesConfig(RULES);
  // A recorded hour replayed: its readings lie in the past, and they move event time themselves.
  const startMs = Date.now() - 3_600_000 - 60_000;
  const readings = demoTelemetry(startMs);
  const devices = [...new Set(readings.map((r) => r.deviceId))];
  const connect = (clientId: string) => connectAsync(mqttUrl, { protocolVersion: 4, clientId });
  const events = await connect(`demo-iot-events-${process.pid}`);
  const consumer = await TelemetryConsumer.start({
    url: mqttUrl,
    clientId: `demo-iot-rules-${process.pid}`,
    protocolVersion: 4,
    subscriptions: devices.map((d) => topics.telemetry(d)),
    rules,
    onEvent: mqttEventPublisher(events),
    deadLetters: { deadLetter: (entry) => log.warn({ entry }, 'telemetry dead letter') },
    tickSeconds: 0,
    onError: (error) => log.warn({ err: error }, 'iot rule engine'),
  });
  const simulator = await connect(`demo-iot-simulator-${process.pid}`);
  let stopped = false;
  const done = (async () => {
    await publishTelemetry(simulator, readings, { speed: SPEED });
    while (!stopped && consumer.engine.stats().received < readings.length)
      await new Promise((resolve) => setTimeout(resolve, 100));
  })();
  done.catch((error) => log.warn({ err: error }, 'telemetry simulator stopped'));
  return {
    done,
    async stop() {
      stopped = true;
      await simulator.endAsync(true);
      await consumer.close();
      await events.endAsync();
    },
  };
}
