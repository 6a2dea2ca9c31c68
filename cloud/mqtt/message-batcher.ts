export interface BatcherOptions<T> {
  /** A batch holds at most this many items; the queue holds at most this many more. */
  maxItems: number;
  /** A batch starts at the latest this long after its oldest item arrived. */
  maxWaitMs: number;
  /** Handles one batch; the next starts once it settles. */
  run(batch: T[]): Promise<void>;
}

/**
 * Group commit's queue: items arrive one by one and leave in batches, one batch at a time and in
 * arrival order. A batch starts once the one before has settled and either `maxItems` wait or the
 * oldest has waited `maxWaitMs`; while a batch runs, the next one gathers. `push` resolves when
 * the queue has room again, so a producer that waits for it is held back (the broker's delivery
 * with it) while a batch cannot be written.
 */
export class MessageBatcher<T> {
  private queue: T[] = [];
  private oldestAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private roomWaiters: (() => void)[] = [];
  private stopped = false;

  constructor(private readonly options: BatcherOptions<T>) {}

  /** Queues the item; resolves once there is room for the next. */
  push(item: T): Promise<void> {
    if (this.queue.length === 0) this.oldestAt = performance.now();
    this.queue.push(item);
    this.schedule();
    if (this.queue.length < this.options.maxItems || this.stopped) return Promise.resolve();
    return new Promise((resolve) => this.roomWaiters.push(resolve));
  }

  /**
   * Starts no more batches. Queued items are left (never handled); the running batch is not waited
   * for (its write may be stuck behind a database that is away).
   */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.releaseWaiters();
  }

  private schedule(): void {
    if (this.running || this.stopped || this.queue.length === 0) return;
    const waitMs = this.oldestAt + this.options.maxWaitMs - performance.now();
    if (this.queue.length >= this.options.maxItems || waitMs <= 0) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.start();
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.schedule();
      }, waitMs);
    }
  }

  private start(): void {
    // What stays queued has waited since before `oldestAt`: it goes as soon as this batch settles.
    const batch = this.queue.splice(0, this.options.maxItems);
    this.releaseWaiters();
    this.running = this.options
      .run(batch)
      .catch(() => {})
      .finally(() => {
        this.running = undefined;
        this.schedule();
      });
  }

  private releaseWaiters(): void {
    if (this.queue.length >= this.options.maxItems && !this.stopped) return;
    for (const resolve of this.roomWaiters.splice(0)) resolve();
  }
}
