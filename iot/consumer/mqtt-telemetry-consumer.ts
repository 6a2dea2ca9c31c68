import { connect, type MqttClient } from 'mqtt';
import type { DeviceEvent } from '../../contract/events.ts';
import { topics } from '../../contract/topics.ts';
import type { PositionStore } from '../correlate/position-store.ts';
import { RuleEngine } from '../rules/rule-engine.ts';
import type { RulesConfig } from '../rules/rule-schema.ts';
import { type DeadLetterSink, TelemetryIntake } from './telemetry-intake.ts';

export interface TelemetryConsumerOptions {
  url: string;
  clientId?: string;
  /** Default: every device (`devices/+/telemetry`); a cloud group uses `topics.sharedTelemetry`. */
  subscriptions?: readonly string[];
  rules: RulesConfig;
  /** Where firings go: the edge's outbox, the cloud's ingest, stdout. */
  onEvent: (event: DeviceEvent) => void;
  deadLetters: DeadLetterSink;
  /** Also keep vehicle positions here, for correlation with camera events. */
  positions?: PositionStore;
  /**
   * Every this many seconds, declare event time final up to the receiver's clock less the allowed
   * lateness, so that quiet devices' readings are applied and silence is seen without new traffic.
   * 0: only readings move event time (replays of recorded telemetry).
   */
  tickSeconds?: number;
}

/**
 * Subscribes to device telemetry over MQTT and runs it through the intake and rule engine. The
 * subscription is QoS 1; a message is acknowledged once the engine has taken it (or it has been
 * dead-lettered), so nothing the broker handed over is lost unseen.
 */
export class TelemetryConsumer {
  readonly engine: RuleEngine;
  private readonly intake: TelemetryIntake;
  private timer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly client: MqttClient,
    options: TelemetryConsumerOptions,
  ) {
    this.engine = new RuleEngine(options.rules, options.onEvent);
    this.intake = new TelemetryIntake(this.engine, options.rules, options.deadLetters, options.positions);
    client.on('message', (topic, payload) => this.intake.handle(topic, payload, Date.now()));
    const tick = options.tickSeconds ?? 1;
    if (tick > 0) {
      const latenessMs = options.rules.allowedLatenessSeconds * 1000;
      this.timer = setInterval(() => this.engine.advance(Date.now() - latenessMs), tick * 1000);
      this.timer.unref();
    }
  }

  static async start(options: TelemetryConsumerOptions): Promise<TelemetryConsumer> {
    const client = connect(options.url, {
      protocolVersion: 5,
      clientId: options.clientId ?? `iot-rules-${options.rules.nodeId}-${process.pid}`,
      reconnectPeriod: 1000,
    });
    const consumer = new TelemetryConsumer(client, options);
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
    });
    client.on('error', () => {
      // Reconnects on its own; the error was an MQTT connection error, not a reading's.
    });
    await client.subscribeAsync([...(options.subscriptions ?? [topics.allTelemetry])], { qos: 1 });
    return consumer;
  }

  /** Applies what is still waiting and ends open incidents at `atMs`, then disconnects. */
  async close(atMs?: number): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.client.endAsync();
    if (atMs !== undefined) this.engine.close(atMs);
  }
}

/** Publishes device events to `edges/{nodeId}/events/{type}` (QoS 1), as the cloud subscribes to. */
export function mqttEventPublisher(client: MqttClient): (event: DeviceEvent) => void {
  return (event) => {
    client.publish(topics.deviceEvent(event.nodeId, event.type), JSON.stringify(event), { qos: 1 });
  };
}
