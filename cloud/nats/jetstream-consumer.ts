import { type ConsumerMessages, type JsMsg, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { MessageBatcher } from '../mqtt/message-batcher.ts';
import type { ReceivedMessage } from '../mqtt/mqtt-consumer.ts';
import { storeWithRetry } from '../mqtt/store-with-retry.ts';
import type { Logger } from '../services/logger.ts';
import {
  type ConsumerRef,
  ensureJetStream,
  isWorthWaitingFor,
  type JetStreamSetupOptions,
} from './jetstream-setup.ts';
import { topicOfSubject } from './nats-subjects.ts';

export interface JetStreamConsumerOptions extends JetStreamSetupOptions {
  /** nats://host:port of the cluster's nodes (the client learns the others from any of them). */
  servers: readonly string[];
  /** The connection's name, as NATS's monitoring shows it. */
  name: string;
  user?: string | undefined;
  password?: string | undefined;
  /** Resolves once the batch is committed; rejects when it must come again (retried here). */
  handle(batch: readonly ReceivedMessage[]): Promise<unknown>;
  batch: { maxMessages: number; maxMs: number };
  logger?: Logger | undefined;
  retry?: { initialMs: number; maxMs: number };
  /** How long the start waits for the MQTT gateway's `$MQTT_msgs` stream (default 60 s). */
  setupWaitMs?: number;
}

/** What the consumers have not yet been handed (`pending`) or have not acknowledged (`ackPending`). */
export interface ConsumerLag {
  stream: string;
  durable: string;
  pending: number;
  ackPending: number;
}

const SILENT: Logger = { info: () => {}, warn: () => {}, error: () => {} };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The cloud's ingest from NATS JetStream: two durable pull consumers shared by every cloud
 * instance (each message goes to one of them), one over the events the MQTT gateway stored in
 * `$MQTT_msgs`, one over the statuses' last-value stream (jetstream-setup.ts). Messages are
 * gathered into group-commit batches (message-batcher.ts, as the MQTT consumer does) and each
 * message is acknowledged only after `handle` resolved for its batch. While `handle` rejects, the
 * batch is retried here with backoff, in order, and kept from being redelivered elsewhere
 * (`working`); a consumer that closes first hands its batch back at once (`nak`); one that dies
 * leaves it to be redelivered after `ackWaitSeconds`, to whichever instance asks first. So an
 * event may be handled twice (it is stored once, by eventId) and is never acknowledged unstored.
 */
export class JetStreamConsumer {
  readonly ready: Promise<void>;
  private connection: NatsConnection | undefined;
  private refs: ConsumerRef[] = [];
  private readonly iterators: ConsumerMessages[] = [];
  private readonly batchers: MessageBatcher<JsMsg>[] = [];
  private closing = false;
  private readonly log: Logger;

  constructor(private readonly options: JetStreamConsumerOptions) {
    this.log = options.logger ?? SILENT;
    this.ready = this.start();
    this.ready.catch(() => {});
  }

  private async start(): Promise<void> {
    const connection = await connect({
      servers: [...this.options.servers],
      name: this.options.name,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      ...(this.options.user !== undefined ? { user: this.options.user } : {}),
      ...(this.options.password !== undefined ? { pass: this.options.password } : {}),
    });
    this.connection = connection;
    if (this.closing) return;
    const { events, statuses } = await this.setUp(connection);
    this.refs = [events, statuses];
    this.log.info(
      { servers: this.options.servers, consumers: this.refs },
      'cloud consuming from NATS JetStream',
    );
    for (const ref of this.refs) void this.consume(ref);
  }

  private async setUp(connection: NatsConnection): Promise<Awaited<ReturnType<typeof ensureJetStream>>> {
    const until = Date.now() + (this.options.setupWaitMs ?? 60_000);
    for (let attempt = 0; ; attempt++) {
      try {
        return await ensureJetStream(await jetstreamManager(connection), this.options);
      } catch (error) {
        if (!isWorthWaitingFor(error) || Date.now() > until || this.closing) throw error;
        if (attempt === 0)
          this.log.warn(
            { err: (error as Error).message },
            "waiting for JetStream and the MQTT gateway's $MQTT_msgs stream (made when an MQTT client connects)",
          );
        await sleep(500);
      }
    }
  }

  /** Pulls from one durable for as long as this runs, feeding its own batcher. */
  private async consume(ref: ConsumerRef): Promise<void> {
    const js = jetstream(this.connection as NatsConnection);
    const { maxMessages, maxMs } = this.options.batch;
    const batcher = new MessageBatcher<JsMsg>({
      maxItems: maxMessages,
      maxWaitMs: maxMs,
      run: (batch) => this.commit(batch),
    });
    this.batchers.push(batcher);
    while (!this.closing) {
      try {
        const consumer = await js.consumers.get(ref.stream, ref.durable);
        const messages = await consumer.consume({ max_messages: maxMessages });
        this.iterators.push(messages);
        for await (const message of messages) await batcher.push(message);
      } catch (error) {
        if (this.closing) break;
        this.log.warn({ ...ref, err: (error as Error).message }, 'NATS consumer interrupted; pulling again');
        await sleep(1000);
      }
    }
  }

  private async commit(batch: JsMsg[]): Promise<void> {
    const received = batch.map((message) => ({
      topic: topicOfSubject(message.subject) ?? message.subject,
      payload: Buffer.from(message.data),
    }));
    // Holds the batch against redelivery to another instance while it is being written.
    const keepAlive = setInterval(
      () => {
        for (const message of batch) message.working();
      },
      Math.max(1000, (this.options.ackWaitSeconds * 1000) / 3),
    );
    try {
      await this.handleWithRetry(received);
    } catch {
      for (const message of batch) message.nak();
      return;
    } finally {
      clearInterval(keepAlive);
    }
    for (const message of batch) message.ack();
  }

  private handleWithRetry(batch: readonly ReceivedMessage[]): Promise<void> {
    const { handle, retry } = this.options;
    return storeWithRetry(batch, { handle, retry, closing: () => this.closing, log: this.log });
  }

  /** Each durable's backlog, as the stream's leader counts it; undefined while it does not answer. */
  async lag(): Promise<ConsumerLag[] | undefined> {
    const connection = this.connection;
    if (!connection || connection.isClosed() || this.refs.length === 0) return undefined;
    try {
      const jsm = await jetstreamManager(connection, { timeout: 2000 });
      return await Promise.all(
        this.refs.map(async (ref) => {
          const info = await jsm.consumers.info(ref.stream, ref.durable);
          return { ...ref, pending: info.num_pending, ackPending: info.num_ack_pending };
        }),
      );
    } catch {
      return undefined;
    }
  }

  /** Stops pulling; what was taken and not acknowledged goes back to the other instances. */
  async close(): Promise<void> {
    this.closing = true;
    for (const batcher of this.batchers) batcher.stop();
    for (const messages of this.iterators) messages.stop();
    await this.ready.catch(() => {});
    await this.connection?.drain().catch(() => this.connection?.close());
  }
}
