import fs from 'node:fs';
import { ErrorWithReasonCode, type IClientOptions, type IConnackPacket, type MqttClient } from 'mqtt';
import { nextBackoff } from '../../util/backoff.ts';
import type { MqttConnection } from './mqtt-connection-schema.ts';
import { type PublisherLogger, type PublishLink, withTimeout } from './publish-link.ts';

/**
 * One MQTT connection kept up: a persistent session (`clean: false`, MQTT 5 or 3.1.1), the Last
 * Will, and reconnects with exponential backoff and full jitter. A refused or lost connection is
 * logged with its reason. Nothing is handed to the client while it is disconnected, so mqtt.js's
 * offline queue is never used.
 */

/** Builds the client (mqtt.js's `connect` in production); it must not reconnect by itself. */
export type MqttClientFactory = (url: string, options: IClientOptions) => MqttClient;

/** The broker, credentials, CA file (already resolved against the config's folder), client id. */
export type MqttConnectionOptions = Omit<MqttConnection, 'protocolVersion'> & {
  protocolVersion?: MqttConnection['protocolVersion'];
};

export interface MqttSessionOptions {
  connection: MqttConnectionOptions;
  clientId: string;
  connect: MqttClientFactory;
  /** Published by the broker, retained, when the connection is lost. */
  will: { topic: string; payload: string };
  /** How long the broker keeps the session after a disconnect. Default one day. */
  sessionExpirySeconds?: number | undefined;
  keepaliveSeconds?: number | undefined;
  connectTimeoutSeconds?: number | undefined;
  backoff: { initialSeconds: number; maxSeconds: number };
  clock: () => number;
  random: () => number;
  logger: PublisherLogger;
  /** On each CONNACK, and on each loss or end of the connection (`lost`: it was up and not closing). */
  up: (connack: IConnackPacket) => void;
  down: (lost: boolean) => void;
}

const STABLE_CONNECTION_MS = 10_000;
const DEFAULTS = { sessionExpirySeconds: 24 * 3600, keepaliveSeconds: 30, connectTimeoutSeconds: 10 };
const JSON_PROPERTIES = { payloadFormatIndicator: true, contentType: 'application/json' } as const;

export class MqttSession implements PublishLink {
  private readonly client: MqttClient;
  private readonly v5: boolean;
  private online = false;
  private closing = false;
  private since = 0;
  private attempt = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private brokerReceiveMaximum = 65_535;
  private readonly counters = { connects: 0, connectionFailures: 0 };
  private lastError: string | undefined;
  /** Topics this session reads, subscribed again on every connect (a retained message comes each time). */
  private readonly subscriptions = new Map<string, (payload: Buffer) => void>();

  constructor(private readonly options: MqttSessionOptions) {
    this.v5 = (options.connection.protocolVersion ?? 5) === 5;
    this.client = options.connect(options.connection.url, this.clientOptions());
    this.client.on('connect', (connack) => this.onConnect(connack));
    this.client.on('close', () => this.onClose());
    this.client.on('error', (error) => this.onError(error));
    this.client.on('message', (topic, payload) => this.subscriptions.get(topic)?.(payload));
    this.client.on('disconnect', (packet) => {
      options.logger.warn(
        { reasonCode: packet.reasonCode, reason: packet.properties?.reasonString },
        'broker sent DISCONNECT',
      );
    });
  }

  get connected(): boolean {
    return this.online;
  }

  /** When the current connection came up (ms, the session's clock). */
  get connectedSince(): number {
    return this.since;
  }

  get receiveMaximum(): number {
    return this.brokerReceiveMaximum;
  }

  stats(): { connects: number; connectionFailures: number; lastError: string | undefined } {
    return { ...this.counters, lastError: this.lastError };
  }

  publish(topic: string, payload: string, retain: boolean, done: (error?: Error) => void): void {
    // MQTT 5 properties on publishes; none under 3.1.1, which has no properties.
    const properties = this.v5 ? { properties: JSON_PROPERTIES } : {};
    this.client.publish(topic, payload, { qos: 1, ...(retain ? { retain } : {}), ...properties }, done);
  }

  /**
   * Reads `topic` (an exact topic, QoS 1) from now on, on this connection and every later one.
   * Subscribing again on each connect makes the broker send its retained message again
   * [MQTT-3.3.1-6], so a reader that was away gets the latest.
   */
  subscribe(topic: string, onMessage: (payload: Buffer) => void): void {
    this.subscriptions.set(topic, onMessage);
    if (this.online) this.subscribeNow(topic);
  }

  private subscribeNow(topic: string): void {
    this.client.subscribe(topic, { qos: 1 }, (error, granted) => {
      const refused = error ?? ((granted?.[0]?.qos ?? 0) >= 0x80 ? new Error('refused by the broker') : null);
      if (refused) this.options.logger.warn({ topic, reason: refused.message }, 'MQTT subscription failed');
    });
  }

  /**
   * Stops reconnecting; while connected, publishes `lastWords` (retained) and disconnects cleanly,
   * which discards the Will. Each step waits `drainMs` at most.
   */
  async close(drainMs: number, lastWords: () => { topic: string; payload: string }): Promise<void> {
    this.closing = true;
    clearTimeout(this.reconnectTimer);
    if (this.online) {
      const { topic, payload } = lastWords();
      const published = new Promise<void>((resolve) => this.publish(topic, payload, true, () => resolve()));
      await withTimeout(published, drainMs);
    }
    await withTimeout(this.client.endAsync(!this.online), drainMs).catch(() => {});
    this.online = false;
  }

  private clientOptions(): IClientOptions {
    const { connection, will } = this.options;
    return {
      protocolVersion: this.v5 ? 5 : 4,
      clientId: this.options.clientId,
      clean: false,
      // 3.1.1 has no session expiry: a persistent session lasts until the broker drops it.
      ...(this.v5
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
      ...(connection.username !== undefined ? { username: connection.username } : {}),
      ...(connection.password !== undefined ? { password: connection.password } : {}),
      ...(connection.caFile !== undefined ? { ca: fs.readFileSync(connection.caFile) } : {}),
      will: {
        topic: will.topic,
        payload: Buffer.from(will.payload),
        qos: 1,
        retain: true,
        ...(this.v5 ? { properties: { willDelayInterval: 0, ...JSON_PROPERTIES } } : {}),
      },
    };
  }

  private onConnect(connack: IConnackPacket): void {
    if (this.closing) return;
    this.online = true;
    this.since = this.options.clock();
    this.counters.connects++;
    this.brokerReceiveMaximum = connack.properties?.receiveMaximum ?? 65_535;
    // Small publishes and PUBACKs: without TCP_NODELAY, Nagle and delayed ACKs stall a window of
    // QoS 1 publishes for tens of ms at a time (measured: 10x slower drains).
    (this.client.stream as { setNoDelay?: (noDelay: boolean) => void }).setNoDelay?.(true);
    for (const topic of this.subscriptions.keys()) this.subscribeNow(topic);
    this.options.up(connack);
  }

  private onError(error: Error): void {
    const code = error instanceof ErrorWithReasonCode ? error.code : (error as NodeJS.ErrnoException).code;
    this.lastError = code === undefined ? error.message : `${error.message} (${code})`;
    this.options.logger.warn(
      { url: this.options.connection.url, code, reason: error.message },
      'MQTT connection failed',
    );
  }

  private onClose(): void {
    const wasOnline = this.online;
    this.online = false;
    this.options.down(wasOnline && !this.closing);
    if (this.closing) return;
    this.counters.connectionFailures++;
    // Backoff starts over only after a connection that held: one the broker drops at once (a
    // client id taken over by another box, say) keeps backing off.
    if (wasOnline && this.options.clock() - this.since >= STABLE_CONNECTION_MS) this.attempt = 0;
    if (this.reconnectTimer) return;
    const seconds = nextBackoff(this.attempt++, this.options.backoff, this.options.random);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (!this.closing) this.client.connect();
    }, seconds * 1000);
  }
}
