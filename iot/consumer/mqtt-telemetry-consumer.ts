import { connect, type MqttClient } from 'mqtt';
import type { DeviceEvent } from '../../foundation/contract/events.ts';
import { topics } from '../../foundation/contract/topics.ts';
import type { PositionStore } from '../correlate/position-store.ts';
import { RuleEngine } from '../rules/rule-engine.ts';
import type { RulesConfig } from '../rules/rule-schema.ts';
import { DeviceIncidentJournal } from './incident-journal.ts';
import { type DeadLetterSink, TelemetryIntake } from './telemetry-intake.ts';

export interface TelemetryConsumerOptions {
  url: string;
  clientId?: string;
  /** 5 (default) for Mosquitto/EMQX; 4 for brokers that speak only MQTT 3.1.1 (the cloud's embedded aedes). */
  protocolVersion?: 4 | 5;
  username?: string | undefined;
  password?: string | undefined;
  /** Default: every device (`devices/+/telemetry`); a group of instances uses `topics.sharedTelemetry`. */
  subscriptions?: readonly string[];
  rules: RulesConfig;
  /** Where firings go (the edge's outbox, the cloud's ingest); a returned promise delays the PUBACK. */
  onEvent: (event: DeviceEvent) => void | Promise<void>;
  /** A promise it returns (a database write) is awaited before the message is acknowledged. */
  deadLetters: DeadLetterSink;
  /** Also keep vehicle positions here, for correlation with camera events. */
  positions?: PositionStore;
  /**
   * Every this many seconds, declare event time final up to the receiver's clock less the allowed
   * lateness: quiet devices' readings are applied and silence is judged by that clock alone. 0:
   * the readings move event time (replays of recorded telemetry).
   */
  tickSeconds?: number;
  /** An event sink that failed, or the broker connection; the consumer carries on. */
  onError?: (error: unknown) => void;
  /**
   * A folder for the journal of open incidents: a node that crashed with incidents open carries
   * them on when it comes back, or ends them (iot/rules/incident-resume.ts). Absent: none.
   */
  journalDir?: string;
}

/** How often, while incidents are open, the journal is brought up to date (when they last held). */
const JOURNAL_REFRESH_MS = 5000;

/**
 * Subscribes to device telemetry over MQTT (QoS 1) and runs it through the intake and the rule
 * engine. A message is acknowledged once it has been applied or dead-lettered and the events it
 * raised have been taken by `onEvent`, one message at a time, in order.
 */
export class TelemetryConsumer {
  readonly engine: RuleEngine;
  private readonly intake: TelemetryIntake;
  private readonly pending: Promise<void>[] = [];
  private timer: NodeJS.Timeout | undefined;
  private journalTimer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly client: MqttClient,
    private readonly options: TelemetryConsumerOptions,
    journal?: DeviceIncidentJournal,
  ) {
    const tick = options.tickSeconds ?? 1;
    this.engine = new RuleEngine(
      options.rules,
      (event) => {
        // A start or update is on disk before anyone hears of it; an end leaves only once handed on.
        const open = event.phase === 'end' ? undefined : this.engine.openIncident(event.rule, event.deviceId);
        if (open) journal?.put(open);
        if (event.phase === 'end') journal?.ending(event);
        const done = options.onEvent(event);
        if (journal && event.phase === 'end')
          this.pending.push(Promise.resolve(done).then(() => journal.remove(event.incidentId)));
        else if (done) this.pending.push(done);
      },
      { watermark: tick > 0 ? 'advance' : 'readings' },
    );
    if (journal) {
      this.journalTimer = setInterval(() => {
        if (journal.size > 0) journal.refresh(this.engine.openIncidents());
      }, JOURNAL_REFRESH_MS);
      this.journalTimer.unref();
    }
    const deadLetters: DeadLetterSink = {
      deadLetter: (entry) => {
        const done = options.deadLetters.deadLetter(entry);
        if (done) this.pending.push(done);
      },
    };
    this.intake = new TelemetryIntake(this.engine, options.rules, deadLetters, options.positions);
    client.handleMessage = (packet, callback) => {
      this.intake.handle(packet.topic, packet.payload as Buffer, Date.now());
      this.settle().then(() => callback());
    };
    if (tick > 0) {
      const latenessMs = options.rules.allowedLatenessSeconds * 1000;
      this.timer = setInterval(() => {
        this.engine.advance(Date.now() - latenessMs);
        void this.settle();
      }, tick * 1000);
      this.timer.unref();
    }
  }

  static async start(options: TelemetryConsumerOptions): Promise<TelemetryConsumer> {
    const journal =
      options.journalDir === undefined
        ? undefined
        : DeviceIncidentJournal.open(options.journalDir, (message) => options.onError?.(new Error(message)));
    const client = connect(options.url, {
      protocolVersion: options.protocolVersion ?? 5,
      clientId: options.clientId ?? `iot-rules-${options.rules.nodeId}-${process.pid}`,
      reconnectPeriod: 1000,
      ...(options.username !== undefined ? { username: options.username } : {}),
      ...(options.password !== undefined ? { password: options.password } : {}),
    });
    const consumer = new TelemetryConsumer(client, options, journal);
    try {
      await new Promise<void>((resolve, reject) => {
        client.once('connect', () => resolve());
        client.once('error', reject);
      });
    } catch (error) {
      // Otherwise the client would go on reconnecting for a consumer nobody holds.
      await client.endAsync(true);
      throw error;
    }
    client.on('error', (error) => options.onError?.(error));
    // Before any reading: what the last run left open is carried on, or ended if its rule is gone;
    // an end it was handing on is handed on again, as it was.
    if (journal && journal.found.length > 0) {
      for (const { end } of journal.found) {
        if (end)
          consumer.pending.push(
            Promise.resolve(options.onEvent(end)).then(() => journal.remove(end.incidentId)),
          );
      }
      consumer.engine.resume(journal.found.filter((incident) => !incident.end));
      await consumer.settle();
    }
    await client.subscribeAsync([...(options.subscriptions ?? [topics.allTelemetry])], { qos: 1 });
    return consumer;
  }

  /** Stops taking messages; with `atMs`, applies what is waiting and ends open incidents then. */
  async close(atMs?: number): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.journalTimer) clearInterval(this.journalTimer);
    await this.client.endAsync();
    if (atMs !== undefined) this.engine.close(atMs);
    await this.settle();
  }

  private async settle(): Promise<void> {
    const pending = this.pending.splice(0);
    for (const result of await Promise.allSettled(pending)) {
      if (result.status === 'rejected') this.options.onError?.(result.reason);
    }
  }
}

/** Publishes device events to `edges/{nodeId}/events/{type}` (QoS 1), where the cloud subscribes. */
export function mqttEventPublisher(client: MqttClient): (event: DeviceEvent) => Promise<void> {
  return async (event) => {
    await client.publishAsync(topics.deviceEvent(event.nodeId, event.type), JSON.stringify(event), {
      qos: 1,
    });
  };
}
