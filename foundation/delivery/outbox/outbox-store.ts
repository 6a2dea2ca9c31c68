import type { EventPhase } from '../../contract/events.ts';

export interface OutboxMessage {
  cameraId: string;
  phase: EventPhase;
  topic: string;
  /** The bytes to publish, as text (an event's JSON). */
  payload: string;
}

export interface PendingMessage extends Readonly<OutboxMessage> {
  readonly seq: number;
  /** Wall clock (ms since the epoch) of the append; kept by the store, so it survives restarts. */
  readonly at: number;
}

export interface OutboxStoreStats {
  /** Records the store could not read back when it was opened (torn or unreadable). */
  skippedLines: number;
  segments: number;
  bytesOnDisk: number;
}

/**
 * Where an `Outbox` keeps its pending messages. The outbox assigns the seqs, batches the appends
 * and applies the overflow policy; a store keeps the records and hands them back in order.
 * test/delivery/outbox-store-conformance.test.ts holds what every store must do.
 */
export interface OutboxStore {
  /** Names the store in error messages (a folder, or "memory"). */
  readonly location: string;
  /** Records held. */
  readonly depth: number;
  /** Above every seq this store ever held, across reopens: a seq is never reused. */
  readonly nextSeq: number;
  /**
   * Keeps `records` (seqs ascending, above any it holds); resolves once they would survive what
   * the store promises to survive. On rejection none of them is held.
   */
  append(records: readonly PendingMessage[]): Promise<void>;
  /** The records above `afterSeq` in seq order; live: records appended or removed meanwhile are seen. */
  pending(afterSeq: number): IterableIterator<PendingMessage>;
  get(seq: number): PendingMessage | undefined;
  /** Forgets a record (delivered or dropped); false when it was not held. */
  remove(seq: number): boolean;
  /** Frees the space of removed records now rather than in the background. */
  compact(): void;
  stats(): OutboxStoreStats;
  /** Persists the removals not yet persisted and releases what the store holds (files, a lock). */
  close(): Promise<void>;
}
