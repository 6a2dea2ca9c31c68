import fs from 'node:fs';
import {
  connect,
  ErrorWithReasonCode,
  type IClientOptions,
  type IConnackPacket,
  type MqttClient,
} from 'mqtt';
import type { CameraHealth, EdgeStatus } from '../contract/edge-status.ts';
import { type IncidentMessage, isDeviceEvent, parseIncidentMessage } from '../contract/events.ts';
import { topics } from '../contract/topics.ts';
import { nextBackoff } from '../util/backoff.ts';
import type { MqttConnection } from './mqtt/mqtt-connection-schema.ts';
import { type Outbox, type OutboxStats, preciseNow } from './outbox/outbox.ts';
import type { OutboxMessage, PendingMessage } from './outbox/outbox-store.ts';

/**
 * Delivers the outbox to an MQTT broker (MQTT 5, QoS 1), and keeps the edge's status topic.
 *
 * - The outbox is the only queue. Messages are published only while connected, at most
 *   `maxInFlight` unacknowledged at a time (and never more than the broker's Receive Maximum,
 *   [MQTT-3.3.4-7]); a message leaves the outbox only on its PUBACK. mqtt.js's offline queue is
 *   never used: nothing is handed to the client while it is disconnected.
 * - Persistent session (`clean: false` with a session expiry): after a reconnect the client sends
 *   the publishes still unacknowledged again, with their packet ids [MQTT-4.4.0-1]; after a restart
 *   of the process everything pending in the outbox is published again. Either way a consumer may
 *   see a message twice, always with the same `eventId`.
 * - A refused or lost connection is logged with its reason and retried with exponential backoff
 *   and full jitter. A publish the broker refuses (a PUBACK reason code ≥ 0x80, e.g. not
 *   authorised) stays in the outbox and is retried with backoff, while the rest flows on: only such
 *   a message can reach a subscriber out of order.
 * - Status: `edges/{edgeId}/status`, retained. `online` on every connect and then every
 *   `heartbeatSeconds` with per-camera health; the Last Will sets `offline` when the connection is
 *   lost; `close()` publishes `offline` itself before a clean DISCONNECT (which discards the Will).
 */

/** What the edge node calls with each event: resolves with the outbox seq once it is on disk. */
export type EventSink = (event: IncidentMessage) => Promise<number>;

type LogFn = (object: object, message: string) => void;
/** What the publisher logs through (a pino logger fits). */
export interface PublisherLogger {
  info: LogFn;
  warn: LogFn;
  error: LogFn;
}

export interface MqttPublisherOptions {
  edgeId: string;
  /** Broker URL, credentials, CA file (already resolved against the config's folder), client id. */
  mqtt: Omit<MqttConnection, 'protocolVersion'> & { protocolVersion?: MqttConnection['protocolVersion'] };
  outbox: Outbox;
  /** Per-camera health for the heartbeat (e.g. `EdgeNode.status()`). */
  health?: () => CameraHealth[];
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

export interface PublisherStats {
  connected: boolean;
  /** Successful connects, and failed or lost connections. */
  connects: number;
  connectionFailures: number;
  lastError: string | undefined;
  /** PUBLISH packets of outbox messages handed to the client (a retry counts again). */
  published: number;
  /** PUBACKs that took a message out of the outbox. */
  acked: number;
  /** PUBACKs with an error reason code (the message is retried). */
  refused: number;
  inFlight: number;
  /** Append → PUBACK over the last LATENCY_WINDOW acks, in ms (includes time spent offline). */
  latencyMs: { p50: number; p99: number; max: number; samples: number };
  outbox: OutboxStats;
}

const LATENCY_WINDOW = 1024;
const STABLE_CONNECTION_MS = 10_000;
const DEFAULTS = {
  heartbeatSeconds: 30,
  maxInFlight: 100,
  sessionExpirySeconds: 24 * 3600,
  keepaliveSeconds: 30,
  connectTimeoutSeconds: 10,
  backoff: { initialSeconds: 1, maxSeconds: 60 },
};
const JSON_PROPERTIES = { payloadFormatIndicator: true, contentType: 'application/json' } as const;
const SILENT: PublisherLogger = { info: () => {}, warn: () => {}, error: () => {} };

/**
 * The outbox message for an event (a camera's, or a device event from the IoT rules): its topic,
 * its JSON as the payload, and the stream its order is kept in (the camera, or the device).
 */
export function eventMessage(edgeId: string, event: IncidentMessage): OutboxMessage {
  const parsed = parseIncidentMessage(event);
  if (!parsed.ok) throw new TypeError(`not a valid event: ${parsed.error}`);
  const valid = parsed.event;
  if (isDeviceEvent(valid)) {
    if (valid.nodeId !== edgeId) throw new TypeError(`event of node ${valid.nodeId} on edge ${edgeId}`);
    return {
      cameraId: `device:${valid.deviceId}`,
      phase: valid.phase,
      topic: topics.deviceEvent(edgeId, valid.type),
      payload: JSON.stringify(valid),
    };
  }
  if (valid.edgeId !== edgeId) throw new TypeError(`event of edge ${valid.edgeId} on edge ${edgeId}`);
  return {
    cameraId: valid.cameraId,
    phase: valid.phase,
    topic: topics.event(edgeId, valid.type),
    payload: JSON.stringify(valid),
  };
}

/** A sink that puts events into the outbox (usable before, or without, a publisher). */
export function createEventSink(outbox: Outbox, edgeId: string): EventSink {
  return (event) => {
    try {
      return outbox.append(eventMessage(edgeId, event));
    } catch (error) {
      return Promise.reject(error);
    }
  };
}

export class MqttPublisher {
  readonly clientId: string;
  readonly deliver: EventSink;
  private readonly client: MqttClient;
  private readonly settings: Required<
    Pick<MqttPublisherOptions, 'heartbeatSeconds' | 'maxInFlight' | 'backoff' | 'clock' | 'random'>
  >;
  private readonly log: PublisherLogger;
  private readonly inFlight = new Set<number>();
  /** Messages the broker refused, by seq: when to try again, and how often it was tried. */
  private readonly retries = new Map<number, { due: number; attempts: number }>();
  /** Highest seq handed to the client in this process; the next publishes come after it. */
  private cursor = 0;
  private iterator: Iterator<PendingMessage> | undefined;
  private online = false;
  private closing = false;
  private closed: Promise<void> | undefined;
  private receiveMaximum = 65_535;
  private connectedSince = 0;
  private attempt = 0;
  private pumpScheduled = false;
  private heartbeat: NodeJS.Timeout | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private heartbeatInFlight = false;
  private readonly unsubscribe: () => void;
  /** MQTT 5 properties on publishes; none under 3.1.1, which has no properties. */
  private readonly jsonProperties: { properties?: typeof JSON_PROPERTIES };
  private readonly latencies = new Float64Array(LATENCY_WINDOW);
  private drainWaiters: (() => void)[] = [];
  private readonly counters = { connects: 0, connectionFailures: 0, published: 0, acked: 0, refused: 0 };
  private lastError: string | undefined;

  constructor(private readonly options: MqttPublisherOptions) {
    this.clientId = options.mqtt.clientId ?? `edge-${options.edgeId}`;
    this.settings = {
      heartbeatSeconds: options.heartbeatSeconds ?? DEFAULTS.heartbeatSeconds,
      maxInFlight: options.maxInFlight ?? DEFAULTS.maxInFlight,
      backoff: options.backoff ?? DEFAULTS.backoff,
      clock: options.clock ?? preciseNow,
      random: options.random ?? Math.random,
    };
    this.log = options.logger ?? SILENT;
    this.jsonProperties = (options.mqtt.protocolVersion ?? 5) === 5 ? { properties: JSON_PROPERTIES } : {};
    this.deliver = createEventSink(options.outbox, options.edgeId);
    this.client = connect(options.mqtt.url, this.clientOptions());
    this.client.on('connect', (connack) => this.onConnect(connack));
    this.client.on('close', () => this.onClose());
    this.client.on('error', (error) => this.onError(error));
    this.client.on('disconnect', (packet) => {
      this.log.warn(
        { reasonCode: packet.reasonCode, reason: packet.properties?.reasonString },
        'broker sent DISCONNECT',
      );
    });
    this.unsubscribe = options.outbox.onAppend(() => this.schedulePump());
  }

  get connected(): boolean {
    return this.online;
  }

  stats(): PublisherStats {
    const samples = Math.min(this.counters.acked, LATENCY_WINDOW);
    const sorted = Array.from(this.latencies.subarray(0, samples)).sort((a, b) => a - b);
    const at = (p: number) => sorted[Math.min(samples - 1, Math.ceil(p * samples) - 1)] ?? Number.NaN;
    return {
      connected: this.online,
      ...this.counters,
      lastError: this.lastError,
      inFlight: this.inFlight.size,
      latencyMs: { p50: at(0.5), p99: at(0.99), max: sorted.at(-1) ?? Number.NaN, samples },
      outbox: this.options.outbox.stats(),
    };
  }

  /** Resolves when the outbox is empty and nothing is in flight. */
  drained(): Promise<void> {
    if (this.isDrained()) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
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
    if (this.online) await withTimeout(this.drained(), drainMs);
    this.closing = true;
    this.unsubscribe();
    clearInterval(this.heartbeat);
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.retryTimer);
    if (this.online) {
      const offline = JSON.stringify(this.status('offline', 'stopped'));
      const published = this.client.publishAsync(this.statusTopic(), offline, {
        qos: 1,
        retain: true,
        ...this.jsonProperties,
      });
      await withTimeout(published, drainMs).catch(() => {});
    }
    await withTimeout(this.client.endAsync(!this.online), drainMs).catch(() => {});
    this.online = false;
  }

  // --- connection ----------------------------------------------------------------------------

  private clientOptions(): IClientOptions {
    const { mqtt, edgeId } = this.options;
    const will: EdgeStatus = { state: 'offline', edgeId, clientId: this.clientId, reason: 'connection lost' };
    const v5 = (mqtt.protocolVersion ?? 5) === 5;
    return {
      protocolVersion: v5 ? 5 : 4,
      clientId: this.clientId,
      clean: false,
      // 3.1.1 has no session expiry: a persistent session lasts until the broker drops it.
      ...(v5
        ? {
            properties: {
              sessionExpiryInterval: this.options.sessionExpirySeconds ?? DEFAULTS.sessionExpirySeconds,
            },
          }
        : {}),
      keepalive: this.options.keepaliveSeconds ?? DEFAULTS.keepaliveSeconds,
      connectTimeout: (this.options.connectTimeoutSeconds ?? DEFAULTS.connectTimeoutSeconds) * 1000,
      // Reconnects are ours (with backoff); mqtt.js's fixed period is off.
      reconnectPeriod: 0,
      queueQoSZero: false,
      resubscribe: false,
      ...(mqtt.username !== undefined ? { username: mqtt.username } : {}),
      ...(mqtt.password !== undefined ? { password: mqtt.password } : {}),
      ...(mqtt.caFile !== undefined ? { ca: fs.readFileSync(mqtt.caFile) } : {}),
      will: {
        topic: this.statusTopic(),
        payload: Buffer.from(JSON.stringify(will)),
        qos: 1,
        retain: true,
        ...(v5 ? { properties: { willDelayInterval: 0, ...JSON_PROPERTIES } } : {}),
      },
    };
  }

  private onConnect(connack: IConnackPacket): void {
    if (this.closing) return;
    this.online = true;
    this.connectedSince = this.settings.clock();
    this.counters.connects++;
    this.receiveMaximum = connack.properties?.receiveMaximum ?? 65_535;
    // Small publishes and PUBACKs: without TCP_NODELAY, Nagle and delayed ACKs stall a window of
    // QoS 1 publishes for tens of ms at a time (measured: 10x slower drains).
    (this.client.stream as { setNoDelay?: (noDelay: boolean) => void }).setNoDelay?.(true);
    this.log.info(
      {
        url: this.options.mqtt.url,
        clientId: this.clientId,
        sessionPresent: connack.sessionPresent,
        pending: this.options.outbox.depth,
        receiveMaximum: this.receiveMaximum,
      },
      'connected to broker',
    );
    // Always, even with an older heartbeat unacknowledged: the Last Will may have said offline.
    this.publishStatus(true);
    clearInterval(this.heartbeat);
    this.heartbeat = setInterval(() => this.publishStatus(), this.settings.heartbeatSeconds * 1000);
    this.heartbeat.unref();
    this.pump();
  }

  private onError(error: Error): void {
    const code = error instanceof ErrorWithReasonCode ? error.code : (error as NodeJS.ErrnoException).code;
    this.lastError = code === undefined ? error.message : `${error.message} (${code})`;
    this.log.warn({ url: this.options.mqtt.url, code, reason: error.message }, 'MQTT connection failed');
  }

  private onClose(): void {
    const wasOnline = this.online;
    this.online = false;
    clearInterval(this.heartbeat);
    if (this.closing) return;
    this.counters.connectionFailures++;
    // Backoff starts over only after a connection that held: one the broker drops at once (a
    // client id taken over by another box, say) keeps backing off.
    if (wasOnline && this.settings.clock() - this.connectedSince >= STABLE_CONNECTION_MS) this.attempt = 0;
    if (wasOnline) {
      this.log.warn({ pending: this.options.outbox.depth, inFlight: this.inFlight.size }, 'connection lost');
    }
    if (this.reconnectTimer) return;
    const seconds = nextBackoff(this.attempt++, this.settings.backoff, this.settings.random);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (!this.closing) this.client.connect();
    }, seconds * 1000);
  }

  // --- publishing ----------------------------------------------------------------------------

  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    if (!this.online || this.closing) return;
    const limit = Math.min(this.settings.maxInFlight, this.receiveMaximum);
    const { outbox } = this.options;
    const now = this.settings.clock();
    for (const [seq, retry] of this.retries) {
      if (this.inFlight.size >= limit) return;
      const message = outbox.get(seq);
      if (!message) this.retries.delete(seq);
      else if (retry.due <= now && !this.inFlight.has(seq)) this.send(message);
    }
    this.scheduleRetries();
    // One live iterator, kept between pumps: it sees later appends and skips acked messages.
    while (this.inFlight.size < limit) {
      this.iterator ??= outbox.pending(this.cursor);
      const next = this.iterator.next();
      if (next.done) {
        this.iterator = undefined;
        return;
      }
      const message = next.value;
      this.cursor = message.seq;
      if (!this.inFlight.has(message.seq) && !this.retries.has(message.seq)) this.send(message);
    }
  }

  private send(message: PendingMessage): void {
    this.inFlight.add(message.seq);
    this.counters.published++;
    this.client.publish(message.topic, message.payload, { qos: 1, ...this.jsonProperties }, (error) =>
      this.onPuback(message, error),
    );
  }

  private onPuback(message: PendingMessage, error: Error | undefined): void {
    this.inFlight.delete(message.seq);
    if (error) {
      if (!this.closing) this.refused(message, error);
    } else {
      this.retries.delete(message.seq);
      if (this.options.outbox.ack(message.seq)) {
        this.latencies[this.counters.acked % LATENCY_WINDOW] = this.settings.clock() - message.at;
        this.counters.acked++;
      }
    }
    if (this.isDrained()) for (const resolve of this.drainWaiters.splice(0)) resolve();
    this.schedulePump();
  }

  private refused(message: PendingMessage, error: Error): void {
    this.counters.refused++;
    const attempts = (this.retries.get(message.seq)?.attempts ?? 0) + 1;
    const seconds = nextBackoff(attempts - 1, this.settings.backoff, this.settings.random);
    this.retries.set(message.seq, { due: this.settings.clock() + seconds * 1000, attempts });
    this.log.warn(
      {
        seq: message.seq,
        topic: message.topic,
        code: error instanceof ErrorWithReasonCode ? error.code : undefined,
        reason: error.message,
        attempts,
      },
      'broker refused a publish; it stays in the outbox and is retried',
    );
    this.scheduleRetries();
  }

  /** A pump when the earliest refused message waiting (not in flight) is due again. */
  private scheduleRetries(): void {
    clearTimeout(this.retryTimer);
    let due = Number.POSITIVE_INFINITY;
    for (const [seq, retry] of this.retries) if (!this.inFlight.has(seq)) due = Math.min(due, retry.due);
    if (due === Number.POSITIVE_INFINITY || this.closing) return;
    this.retryTimer = setTimeout(() => this.pump(), Math.max(0, due - this.settings.clock()));
  }

  private isDrained(): boolean {
    return this.options.outbox.depth === 0 && this.inFlight.size === 0;
  }

  // --- status --------------------------------------------------------------------------------

  private statusTopic(): string {
    return topics.status(this.options.edgeId);
  }

  private status(state: EdgeStatus['state'], reason?: EdgeStatus['reason']): EdgeStatus {
    const { depth, dropped } = this.options.outbox.stats();
    return {
      state,
      edgeId: this.options.edgeId,
      clientId: this.clientId,
      at: new Date(this.settings.clock()).toISOString(),
      ...(state === 'online' ? { since: new Date(this.connectedSince).toISOString() } : {}),
      ...(reason ? { reason } : {}),
      outbox: { depth, dropped },
      ...(state === 'online' && this.options.health ? { cameras: this.options.health() } : {}),
    };
  }

  /** Retained `online` status; a heartbeat is skipped while the previous one is unacknowledged. */
  private publishStatus(force = false): void {
    if (!this.online || (this.heartbeatInFlight && !force)) return;
    this.heartbeatInFlight = true;
    let payload: string;
    try {
      payload = JSON.stringify(this.status('online'));
    } catch (error) {
      this.heartbeatInFlight = false;
      this.log.error({ reason: String(error) }, 'could not build the status');
      return;
    }
    this.client.publish(this.statusTopic(), payload, { qos: 1, retain: true, ...this.jsonProperties }, () => {
      this.heartbeatInFlight = false;
    });
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
