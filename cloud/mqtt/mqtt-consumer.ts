import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import { topics } from '../../foundation/contract/topics.ts';
import type { Logger } from '../services/logger.ts';

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
  /** Resolves once the message's effects are committed; rejects when nothing was (then it is retried). */
  handle(topic: string, payload: Buffer): Promise<unknown>;
  logger?: Logger;
  retry?: { initialMs: number; maxMs: number };
}

const SILENT: Logger = { info: () => {}, warn: () => {}, error: () => {} };

/**
 * Subscribes to every edge's events (QoS 1, persistent session) and statuses, and hands each
 * message to `handle`. The PUBACK goes out only after `handle` resolved: mqtt.js sends it when
 * `handleMessage`'s callback is called, and it takes the next message only then, so messages
 * are handled one at a time, in order. When `handle` rejects, the same message is retried with
 * backoff and nothing else is taken; if the process stops meanwhile, the broker delivers it again
 * to the session (or to another instance of the group). `handle` decides what is worth retrying:
 * the message processor rejects for as long as the database is away, and dead-letters (resolves)
 * what retrying cannot help, so one message never holds the stream for good.
 */
export class MqttConsumer {
  private readonly client: MqttClient;
  private closing = false;
  private readonly log: Logger;
  private readonly subscriptions: string[];
  readonly ready: Promise<void>;

  constructor(private readonly options: MqttConsumerOptions) {
    this.log = options.logger ?? SILENT;
    this.subscriptions = [
      options.protocolVersion === 5 && options.group !== undefined
        ? topics.sharedEvents(options.group)
        : 'edges/+/events/#',
      topics.allStatuses,
    ];
    const clientOptions: IClientOptions = {
      protocolVersion: options.protocolVersion,
      clientId: options.clientId,
      clean: false,
      reconnectPeriod: 1000,
      connectTimeout: 10_000,
      resubscribe: false,
      ...(options.protocolVersion === 5
        ? { properties: { sessionExpiryInterval: options.sessionExpirySeconds } }
        : {}),
      ...(options.username !== undefined ? { username: options.username } : {}),
      ...(options.password !== undefined ? { password: options.password } : {}),
    };
    this.client = connect(options.url, clientOptions);
    this.client.handleMessage = (packet, callback) => {
      if (packet.cmd !== 'publish') return callback();
      const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
      this.handleWithRetry(packet.topic, payload).then(
        () => callback(),
        () =>
          this.log.warn(
            { topic: packet.topic },
            'consumer stopped before the message was stored; not acknowledged',
          ),
      );
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

  private async handleWithRetry(topic: string, payload: Buffer): Promise<void> {
    const { initialMs, maxMs } = this.options.retry ?? { initialMs: 500, maxMs: 30_000 };
    for (let attempt = 0; ; attempt++) {
      if (this.closing) throw new Error('closing');
      try {
        await this.options.handle(topic, payload);
        return;
      } catch (error) {
        const delay = Math.min(maxMs, initialMs * 2 ** attempt);
        this.log.error(
          { topic, attempt, err: (error as Error).message, retryInMs: delay },
          'could not store a message; retrying',
        );
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  /** Stops taking messages; what was not acknowledged is delivered again later. */
  async close(force = false): Promise<void> {
    this.closing = true;
    await this.client.endAsync(force);
  }
}
