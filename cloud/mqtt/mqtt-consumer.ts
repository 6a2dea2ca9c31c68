import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import { topics } from '../../foundation/contract/topics.ts';
import type { Logger } from '../services/logger.ts';
import { MessageBatcher } from './message-batcher.ts';
import { storeWithRetry } from './store-with-retry.ts';

/** A message taken from the broker, not yet acknowledged. */
export interface ReceivedMessage {
  topic: string;
  payload: Buffer;
}

interface Pending extends ReceivedMessage {
  /** Absent for QoS 0 (nothing to acknowledge). */
  messageId: number | undefined;
  /** The connection it came on: an acknowledgement on a later one would name another message. */
  connection: number;
}

export interface MqttConsumerOptions {
  url: string;
  clientId: string;
  protocolVersion: 4 | 5;
  /**
   * With MQTT 5, the shared subscription `$share/{group}/edges/+/events/#` of several instances;
   * absent (or MQTT 3.1.1, aedes): a plain subscription.
   */
  group?: string | undefined;
  username?: string | undefined;
  password?: string | undefined;
  sessionExpirySeconds: number;
  /**
   * Resolves once the effects of every message of the batch are committed; rejects when they
   * must come again (then the whole batch is retried).
   */
  handle(batch: readonly ReceivedMessage[]): Promise<unknown>;
  /** Group commit: at most this many messages a batch, gathered for at most `maxMs`. */
  batch?: { maxMessages: number; maxMs: number };
  logger?: Logger;
  retry?: { initialMs: number; maxMs: number };
}

const SILENT: Logger = { info: () => {}, warn: () => {}, error: () => {} };

type Puback = { cmd: 'puback'; messageId: number; reasonCode: number };

/** The default group commit (the cloud config's `ingest`). */
const DEFAULT_BATCH = { maxMessages: 500, maxMs: 10 };
/** Handed to mqtt.js's handleMessage callback: take the next message, send no PUBACK now. */
const ACK_LATER = new Error('acknowledged after the commit of its batch');

/**
 * Subscribes to every edge's events (QoS 1, persistent session) and statuses, and hands them to
 * `handle` in batches (group commit, message-batcher.ts): a batch's PUBACKs go out, in order, only
 * after `handle` resolved for it. mqtt.js takes one message at a time through `handleMessage`, and
 * sends the PUBACK when its callback is called without an error: the callback is called with one
 * (ACK_LATER) as soon as the message is queued, which takes the next one and acknowledges nothing,
 * and the PUBACK is sent after the commit (`acknowledge`). When the queue is full the callback
 * waits, and with it mqtt.js's reading: the broker holds the rest (MQTT 5: a Receive Maximum of two
 * batches). When `handle` rejects, the same batch is retried with backoff and nothing else is
 * taken; if the process stops meanwhile, or the connection drops, nothing of it is acknowledged
 * and the broker delivers it again to the session (or to another instance of the group). `handle`
 * decides what is worth retrying: the message processor rejects for as long as the database is
 * away, and dead-letters (resolves) what retrying cannot help, so one message never holds the
 * stream for good.
 */
export class MqttConsumer {
  private readonly client: MqttClient;
  private closing = false;
  private readonly log: Logger;
  private readonly subscriptions: string[];
  private readonly batcher: MessageBatcher<Pending>;
  /** Counts connections: acknowledgements go only on the one a message came on. */
  private connection = 0;
  readonly ready: Promise<void>;

  constructor(private readonly options: MqttConsumerOptions) {
    this.log = options.logger ?? SILENT;
    this.subscriptions = [
      options.protocolVersion === 5 && options.group !== undefined
        ? topics.sharedEvents(options.group)
        : 'edges/+/events/#',
      topics.allStatuses,
    ];
    const batch = options.batch ?? DEFAULT_BATCH;
    this.batcher = new MessageBatcher<Pending>({
      maxItems: batch.maxMessages,
      maxWaitMs: batch.maxMs,
      run: (messages) => this.commit(messages),
    });
    const clientOptions: IClientOptions = {
      protocolVersion: options.protocolVersion,
      clientId: options.clientId,
      clean: false,
      reconnectPeriod: 1000,
      connectTimeout: 10_000,
      resubscribe: false,
      ...(options.protocolVersion === 5
        ? {
            properties: {
              sessionExpiryInterval: options.sessionExpirySeconds,
              receiveMaximum: Math.min(65_535, 2 * batch.maxMessages),
            },
          }
        : {}),
      ...(options.username !== undefined ? { username: options.username } : {}),
      ...(options.password !== undefined ? { password: options.password } : {}),
    };
    this.client = connect(options.url, clientOptions);
    this.client.handleMessage = (packet, callback) => {
      if (packet.cmd !== 'publish') return callback();
      const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
      const messageId = packet.qos > 0 ? packet.messageId : undefined;
      const room = this.batcher.push({
        topic: packet.topic,
        payload,
        messageId,
        connection: this.connection,
      });
      room.then(() => (messageId === undefined ? callback() : callback(ACK_LATER)));
    };
    // Ready once the subscription exists: at CONNACK when the broker kept the session (it holds
    // the subscription, and the messages it redelivers first must not wait behind a SUBACK that
    // mqtt.js reads only after them), else once the SUBACK grants it: a publish before that would
    // not reach a new group.
    let subscribed: () => void = () => {};
    let failed: (error: Error) => void = () => {};
    this.ready = new Promise((resolve, reject) => {
      subscribed = resolve;
      failed = reject;
      this.client.once('error', (error) => reject(error));
    });
    this.ready.catch(() => {});
    this.client.on('connect', (connack) => {
      this.connection++;
      this.log.info(
        { url: options.url, sessionPresent: connack.sessionPresent },
        'cloud connected to broker',
      );
      if (connack.sessionPresent) subscribed();
      this.client.subscribe(this.subscriptions, { qos: 1 }, (error, granted) => {
        if (error) {
          this.log.error({ err: error.message }, 'subscription failed');
          failed(error);
        } else {
          this.log.info({ granted }, 'subscribed');
          subscribed();
        }
      });
    });
    this.client.on('error', (error) => this.log.warn({ err: error.message }, 'MQTT error'));
  }

  get connected(): boolean {
    return this.client.connected;
  }

  /** Handles the batch (retrying until it is committed), then acknowledges it. */
  private async commit(batch: Pending[]): Promise<void> {
    try {
      await this.handleWithRetry(batch);
    } catch {
      this.log.warn(
        { messages: batch.length },
        'consumer stopped before the batch was stored; not acknowledged',
      );
      return;
    }
    for (const message of batch) this.acknowledge(message);
  }

  private acknowledge({ messageId, connection }: Pending): void {
    if (messageId === undefined || this.closing) return;
    // The broker delivers again what a lost connection left unacknowledged (stored once by eventId).
    if (connection !== this.connection || !this.client.connected) return;
    const puback: Puback = { cmd: 'puback', messageId, reasonCode: 0 };
    // mqtt.js sends its own PUBACKs through this method; it has no public one for a deferred ack.
    (this.client as unknown as { _sendPacket(packet: Puback): void })._sendPacket(puback);
  }

  private handleWithRetry(batch: readonly ReceivedMessage[]): Promise<void> {
    const { handle, retry } = this.options;
    return storeWithRetry(batch, { handle, retry, closing: () => this.closing, log: this.log });
  }

  /** Stops taking messages; what was not acknowledged is delivered again later. */
  async close(force = false): Promise<void> {
    this.closing = true;
    this.batcher.stop();
    await this.client.endAsync(force);
  }
}
