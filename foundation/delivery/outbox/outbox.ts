import { OutboxError } from '../errors.ts';
import type { OutboxMessage, OutboxStore, PendingMessage } from './outbox-store.ts';

/**
 * A durable outbox: what the edge must deliver, kept in its store until the broker has it.
 *
 * Each message gets a seq at the call of `append`, so messages keep the order of the calls.
 * Appends that arrive while a write is on its way go to the store together in one write (group
 * commit: on disk, one write and one fdatasync); an `append` resolves once its store has it.
 *
 * Overflow: at `maxPending` pending messages an append drops the oldest pending `update` first.
 * `start` and `end` messages are never dropped: when nothing else is left to drop, the outbox
 * grows past `maxPending` (counted as `overLimit`), since refusing them would lose an incident's
 * beginning or end.
 */

export interface OutboxOptions {
  /** Pending messages past which `update`s are dropped, oldest first. Default 50,000. */
  maxPending?: number;
  /** Wall clock, ms since the epoch (default: with sub-ms precision). */
  clock?: () => number;
}

export interface OutboxStats {
  /** Pending messages. */
  depth: number;
  /** Since open: appended (durable), acked, dropped by the overflow policy. */
  appended: number;
  acked: number;
  dropped: number;
  /** Appends accepted past `maxPending` because only start/end messages were pending. */
  overLimit: number;
  /** Pending when the outbox was opened (left by an earlier run). */
  recovered: number;
  /** Records skipped when the store was opened: torn tails and unreadable records. */
  skippedLines: number;
  /** Store writes (each carries one or more appends; on disk, one fdatasync). */
  writes: number;
  segments: number;
  bytesOnDisk: number;
}

interface QueuedAppend {
  message: PendingMessage;
  resolve: (seq: number) => void;
  reject: (error: Error) => void;
}

/** Wall clock in ms since the epoch, with sub-millisecond precision. */
export const preciseNow = (): number => performance.timeOrigin + performance.now();

const DEFAULT_MAX_PENDING = 50_000;

export class Outbox {
  /** The pending `update`s, oldest first: the overflow policy's candidates. */
  private readonly updates = new Set<number>();
  private readonly queue: QueuedAppend[] = [];
  private readonly listeners = new Set<() => void>();
  private readonly maxPending: number;
  private readonly clock: () => number;
  private nextSeq: number;
  private flushing: Promise<void> | undefined;
  private closed = false;
  private readonly counters = { appended: 0, acked: 0, dropped: 0, overLimit: 0, recovered: 0, writes: 0 };

  /** An outbox over `store` and what it already holds; it owns the store from now on. */
  constructor(
    private readonly store: OutboxStore,
    options: OutboxOptions = {},
  ) {
    this.maxPending = options.maxPending ?? DEFAULT_MAX_PENDING;
    this.clock = options.clock ?? preciseNow;
    if (!(this.maxPending >= 1)) {
      void store.close();
      throw new RangeError('maxPending must be at least 1');
    }
    this.nextSeq = store.nextSeq;
    for (const message of store.pending(0)) if (message.phase === 'update') this.updates.add(message.seq);
    this.counters.recovered = store.depth;
  }

  /**
   * Appends a message; resolves with its seq once its store has it. Rejects when the write fails
   * (the outbox stays usable when the store could undo the failed write, e.g. on a full disk) or
   * the outbox is closed or failed.
   */
  append(message: OutboxMessage): Promise<number> {
    if (this.closed) {
      return Promise.reject(new OutboxError('OUTBOX_CLOSED', `outbox ${this.store.location} is closed`));
    }
    const pending: PendingMessage = {
      seq: this.nextSeq++,
      at: this.clock(),
      cameraId: message.cameraId,
      phase: message.phase,
      topic: message.topic,
      payload: message.payload,
    };
    return new Promise((resolve, reject) => {
      this.queue.push({ message: pending, resolve, reject });
      // Started on the next microtask, so that appends made in the same tick share one write.
      this.flushing ??= Promise.resolve().then(() => this.flushLoop());
    });
  }

  /** Pending messages in seq order (live: acks during iteration are seen), after `afterSeq`. */
  pending(afterSeq = 0): IterableIterator<PendingMessage> {
    return this.store.pending(afterSeq);
  }

  get depth(): number {
    return this.store.depth;
  }

  /** The pending message with this seq; undefined once acked or dropped. */
  get(seq: number): PendingMessage | undefined {
    return this.store.get(seq);
  }

  /** Marks a message delivered. False when it was not pending (already acked or dropped). */
  ack(seq: number): boolean {
    if (this.closed || !this.remove(seq)) return false;
    this.counters.acked++;
    return true;
  }

  /** Calls `listener` after each batch of appends is in the store; returns the unsubscribe function. */
  onAppend(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  stats(): OutboxStats {
    return { depth: this.store.depth, ...this.counters, ...this.store.stats() };
  }

  /** Frees the space of delivered messages now (on disk: deletes done segments, rewrites the ack journal). */
  compactNow(): void {
    this.store.compact();
  }

  /** Waits for appends under way, then closes the store. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.flushing;
    await this.store.close();
  }

  private async flushLoop(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0);
      try {
        await this.store.append(batch.map((item) => item.message));
        this.counters.writes++;
        for (const [k, item] of batch.entries()) this.admit(item.message, batch.length - k);
        for (const item of batch) item.resolve(item.message.seq);
        for (const listener of this.listeners) listener();
      } catch (error) {
        const failure = error instanceof Error ? error : new Error(String(error));
        for (const item of batch) item.reject(failure);
      }
    }
    this.flushing = undefined;
  }

  /**
   * Applies the overflow policy to a message the store has just taken, as if the batch's
   * messages came in one by one: `notYetAdmitted` of them (this one included) do not count yet.
   */
  private admit(message: PendingMessage, notYetAdmitted: number): void {
    if (this.store.depth - notYetAdmitted >= this.maxPending) {
      const oldestUpdate = this.updates.values().next();
      if (oldestUpdate.done) this.counters.overLimit++;
      else if (this.remove(oldestUpdate.value)) this.counters.dropped++;
    }
    if (message.phase === 'update') this.updates.add(message.seq);
    this.counters.appended++;
  }

  private remove(seq: number): boolean {
    this.updates.delete(seq);
    return this.store.remove(seq);
  }
}
