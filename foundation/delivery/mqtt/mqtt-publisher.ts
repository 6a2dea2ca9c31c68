import type { IConnackPacket } from 'mqtt';
import type {
  AppliedConfig,
  CameraHealth,
  EdgeStatus,
  StorageHealthStatus,
} from '../../contract/edge-status.ts';
import { type Outbox, type OutboxStats, preciseNow } from '../outbox/outbox.ts';
import { createEventSink, type EventSink } from './event-message.ts';
import { type MqttClientFactory, type MqttConnectionOptions, MqttSession } from './mqtt-session.ts';
import { type PublisherLogger, SILENT, withTimeout } from './publish-link.ts';
import { PublishPump, type PumpStats } from './publish-pump.ts';
import { lastWill, StatusHeartbeat } from './status-heartbeat.ts';

/**
 * Delivers an outbox to an MQTT broker (MQTT 5, QoS 1) and keeps the edge's status topic: the
 * session (connection, Will, reconnects), the pump (outbox → PUBACK → ack) and the heartbeat
 * (retained status), wired together. The outbox is the only queue.
 *
 * Persistent session (`clean: false` with a session expiry): after a reconnect the client sends
 * the publishes still unacknowledged again, with their packet ids [MQTT-4.4.0-1]; after a restart
 * of the process everything pending in the outbox is published again. Either way a consumer may
 * see a message twice, always with the same `eventId`.
 */

export interface MqttPublisherOptions {
  edgeId: string;
  mqtt: MqttConnectionOptions;
  /** Builds the MQTT client: mqtt.js's `connect` in production. */
  connect: MqttClientFactory;
  outbox: Outbox;
  /** Per-camera health for the heartbeat (e.g. `EdgeNode.status()`). */
  health?: () => CameraHealth[];
  /** The data disk's state for the heartbeat. */
  storage?: () => StorageHealthStatus;
  /** The configuration the edge runs, for the heartbeat. */
  config?: () => AppliedConfig | undefined;
  /** The models the edge runs, for the heartbeat. */
  models?: () => EdgeStatus['models'];
  heartbeatSeconds?: number;
  /** Unacknowledged publishes at most. Default 100. */
  maxInFlight?: number;
  /** How long the broker keeps the session after a disconnect. Default one day. */
  sessionExpirySeconds?: number;
  keepaliveSeconds?: number;
  connectTimeoutSeconds?: number;
  backoff?: { initialSeconds: number; maxSeconds: number };
  logger?: PublisherLogger;
  clock?: () => number;
  random?: () => number;
}

export interface PublisherStats extends PumpStats {
  connected: boolean;
  /** Successful connects, and failed or lost connections. */
  connects: number;
  connectionFailures: number;
  lastError: string | undefined;
  outbox: OutboxStats;
}

const DEFAULTS = { heartbeatSeconds: 30, maxInFlight: 100, backoff: { initialSeconds: 1, maxSeconds: 60 } };

export class MqttPublisher {
  readonly clientId: string;
  readonly deliver: EventSink;
  private readonly session: MqttSession;
  private readonly pump: PublishPump;
  private readonly heartbeat: StatusHeartbeat;
  private closed: Promise<void> | undefined;

  constructor(private readonly options: MqttPublisherOptions) {
    const { edgeId, outbox } = options;
    this.clientId = options.mqtt.clientId ?? `edge-${edgeId}`;
    const clock = options.clock ?? preciseNow;
    const random = options.random ?? Math.random;
    const backoff = options.backoff ?? DEFAULTS.backoff;
    const logger = options.logger ?? SILENT;
    this.deliver = createEventSink(outbox, edgeId);
    this.session = new MqttSession({
      connection: options.mqtt,
      clientId: this.clientId,
      connect: options.connect,
      will: lastWill(edgeId, this.clientId),
      sessionExpirySeconds: options.sessionExpirySeconds,
      keepaliveSeconds: options.keepaliveSeconds,
      connectTimeoutSeconds: options.connectTimeoutSeconds,
      backoff,
      clock,
      random,
      logger,
      up: (connack) => this.onUp(connack),
      down: (lost) => this.onDown(lost),
    });
    this.pump = new PublishPump({
      outbox,
      link: this.session,
      maxInFlight: options.maxInFlight ?? DEFAULTS.maxInFlight,
      backoff,
      clock,
      random,
      logger,
    });
    this.heartbeat = new StatusHeartbeat({
      edgeId,
      clientId: this.clientId,
      outbox,
      link: this.session,
      connectedSince: () => this.session.connectedSince,
      health: options.health,
      storage: options.storage,
      config: options.config,
      models: options.models,
      heartbeatSeconds: options.heartbeatSeconds ?? DEFAULTS.heartbeatSeconds,
      clock,
      logger,
    });
  }

  get connected(): boolean {
    return this.session.connected;
  }

  stats(): PublisherStats {
    return {
      connected: this.session.connected,
      ...this.session.stats(),
      ...this.pump.stats(),
      outbox: this.options.outbox.stats(),
    };
  }

  /** Reads a topic on this connection (and every later one); see MqttSession.subscribe. */
  subscribe(topic: string, onMessage: (payload: Buffer) => void): void {
    this.session.subscribe(topic, onMessage);
  }

  /** Publishes the status now rather than at the next heartbeat (e.g. a new configuration runs). */
  refreshStatus(): void {
    this.heartbeat.refresh();
  }

  /** Resolves when the outbox is empty and nothing is in flight. */
  drained(): Promise<void> {
    return this.pump.drained();
  }

  /**
   * Goes on publishing for up to `drainMs` while anything is pending (the `end` events a stopping
   * node emits), then publishes `offline` (reason `stopped`) and disconnects cleanly. The outbox
   * stays open (it is the caller's); what was not acknowledged stays in it for the next run.
   */
  close(drainMs = 2000): Promise<void> {
    this.closed ??= this.shutDown(drainMs);
    return this.closed;
  }

  private async shutDown(drainMs: number): Promise<void> {
    if (this.session.connected) await withTimeout(this.pump.drained(), drainMs);
    this.pump.stop();
    this.heartbeat.stop();
    await this.session.close(drainMs, () => this.heartbeat.stopped());
  }

  private onUp(connack: IConnackPacket): void {
    this.options.logger?.info(
      {
        url: this.options.mqtt.url,
        clientId: this.clientId,
        sessionPresent: connack.sessionPresent,
        pending: this.options.outbox.depth,
        receiveMaximum: this.session.receiveMaximum,
      },
      'connected to broker',
    );
    this.heartbeat.start();
    this.pump.pump();
  }

  private onDown(lost: boolean): void {
    this.heartbeat.stop();
    if (lost) {
      this.options.logger?.warn(
        { pending: this.options.outbox.depth, inFlight: this.pump.inFlightCount },
        'connection lost',
      );
    }
  }
}
