import type { OutboxStore, OutboxStoreStats, PendingMessage } from './outbox-store.ts';

/** What a memory store holds; a new store over the same state stands for a reopen. */
export interface MemoryOutboxState {
  readonly records: Map<number, PendingMessage>;
  nextSeq: number;
}

/** An outbox store that keeps its records in this process only: for tests and short-lived tools. */
export class MemoryOutboxStore implements OutboxStore {
  readonly location = 'memory';

  constructor(private readonly state: MemoryOutboxState = { records: new Map(), nextSeq: 1 }) {}

  get depth(): number {
    return this.state.records.size;
  }

  get nextSeq(): number {
    return this.state.nextSeq;
  }

  append(records: readonly PendingMessage[]): Promise<void> {
    let floor = this.state.nextSeq;
    for (const record of records) {
      if (record.seq < floor) return Promise.reject(new RangeError(`seq ${record.seq} is below ${floor}`));
      floor = record.seq + 1;
    }
    for (const record of records) {
      this.state.records.set(record.seq, record);
      this.state.nextSeq = record.seq + 1;
    }
    return Promise.resolve();
  }

  *pending(afterSeq: number): IterableIterator<PendingMessage> {
    for (const record of this.state.records.values()) if (record.seq > afterSeq) yield record;
  }

  get(seq: number): PendingMessage | undefined {
    return this.state.records.get(seq);
  }

  remove(seq: number): boolean {
    return this.state.records.delete(seq);
  }

  compact(): void {}

  stats(): OutboxStoreStats {
    return { skippedLines: 0, segments: 0, bytesOnDisk: 0 };
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
