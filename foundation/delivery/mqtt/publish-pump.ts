import { ErrorWithReasonCode } from 'mqtt';
import { nextBackoff } from '../../util/backoff.ts';
import type { Outbox } from '../outbox/outbox.ts';
import type { PendingMessage } from '../outbox/outbox-store.ts';
import type { PublisherLogger, PublishLink } from './publish-link.ts';

/**
 * Moves the outbox to the broker: QoS 1 publishes, in seq order, only while connected and at most
 * `maxInFlight` unacknowledged (never more than the broker's Receive Maximum, [MQTT-3.3.4-7]); a
 * message leaves the outbox only on its PUBACK. A publish the broker refuses (a PUBACK reason code
 * ≥ 0x80, e.g. not authorised) stays in the outbox and is retried with backoff while the rest
 * flows on: only such a message can reach a subscriber out of order.
 */

export interface PublishPumpOptions {
  outbox: Outbox;
  link: PublishLink;
  maxInFlight: number;
  backoff: { initialSeconds: number; maxSeconds: number };
  clock: () => number;
  random: () => number;
  logger: PublisherLogger;
}

export interface PumpStats {
  /** PUBLISH packets of outbox messages handed to the client (a retry counts again). */
  published: number;
  /** PUBACKs that took a message out of the outbox. */
  acked: number;
  /** PUBACKs with an error reason code (the message is retried). */
  refused: number;
  inFlight: number;
  /** Append → PUBACK over the last LATENCY_WINDOW acks, in ms (includes time spent offline). */
  latencyMs: { p50: number; p99: number; max: number; samples: number };
}

const LATENCY_WINDOW = 1024;

export class PublishPump {
  private readonly inFlight = new Set<number>();
  /** Messages the broker refused, by seq: when to try again, and how often it was tried. */
  private readonly retries = new Map<number, { due: number; attempts: number }>();
  /** Highest seq handed to the client in this process; the next publishes come after it. */
  private cursor = 0;
  private iterator: Iterator<PendingMessage> | undefined;
  private stopped = false;
  private scheduled = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly unsubscribe: () => void;
  private readonly latencies = new Float64Array(LATENCY_WINDOW);
  private drainWaiters: (() => void)[] = [];
  private readonly counters = { published: 0, acked: 0, refused: 0 };

  constructor(private readonly options: PublishPumpOptions) {
    this.unsubscribe = options.outbox.onAppend(() => this.schedule());
  }

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  stats(): PumpStats {
    const samples = Math.min(this.counters.acked, LATENCY_WINDOW);
    const sorted = Array.from(this.latencies.subarray(0, samples)).sort((a, b) => a - b);
    const at = (p: number) => sorted[Math.min(samples - 1, Math.ceil(p * samples) - 1)] ?? Number.NaN;
    return {
      ...this.counters,
      inFlight: this.inFlight.size,
      latencyMs: { p50: at(0.5), p99: at(0.99), max: sorted.at(-1) ?? Number.NaN, samples },
    };
  }

  /** Resolves when the outbox is empty and nothing is in flight. */
  drained(): Promise<void> {
    if (this.isDrained()) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  /** Publishes what it may now (called on each connect, and by itself after appends and PUBACKs). */
  pump(): void {
    if (!this.options.link.connected || this.stopped) return;
    const { outbox, link } = this.options;
    const limit = Math.min(this.options.maxInFlight, link.receiveMaximum);
    const now = this.options.clock();
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

  /** Publishes nothing more; a PUBACK still on its way still takes its message out of the outbox. */
  stop(): void {
    this.stopped = true;
    this.unsubscribe();
    clearTimeout(this.retryTimer);
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  private send(message: PendingMessage): void {
    this.inFlight.add(message.seq);
    this.counters.published++;
    this.options.link.publish(message.topic, message.payload, false, (error) =>
      this.onPuback(message, error),
    );
  }

  private onPuback(message: PendingMessage, error: Error | undefined): void {
    this.inFlight.delete(message.seq);
    if (error) {
      if (!this.stopped) this.refused(message, error);
    } else {
      this.retries.delete(message.seq);
      if (this.options.outbox.ack(message.seq)) {
        this.latencies[this.counters.acked % LATENCY_WINDOW] = this.options.clock() - message.at;
        this.counters.acked++;
      }
    }
    if (this.isDrained()) for (const resolve of this.drainWaiters.splice(0)) resolve();
    this.schedule();
  }

  private refused(message: PendingMessage, error: Error): void {
    this.counters.refused++;
    const attempts = (this.retries.get(message.seq)?.attempts ?? 0) + 1;
    const seconds = nextBackoff(attempts - 1, this.options.backoff, this.options.random);
    this.retries.set(message.seq, { due: this.options.clock() + seconds * 1000, attempts });
    this.options.logger.warn(
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
    if (due === Number.POSITIVE_INFINITY || this.stopped) return;
    this.retryTimer = setTimeout(() => this.pump(), Math.max(0, due - this.options.clock()));
  }

  private isDrained(): boolean {
    return this.options.outbox.depth === 0 && this.inFlight.size === 0;
  }
}
