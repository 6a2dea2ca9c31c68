import type { Logger } from '../services/logger.ts';

export interface StoreRetry<Message> {
  handle: (batch: readonly Message[]) => Promise<unknown>;
  /** Backoff between attempts: initialMs doubling up to maxMs. */
  retry?: { initialMs: number; maxMs: number } | undefined;
  /** True once the consumer is closing: the batch is then given up (it will be delivered again). */
  closing: () => boolean;
  log: Logger;
}

/**
 * Stores a batch, retrying with backoff for as long as storing fails (a database outage), until it
 * commits or the consumer closes (then it throws: nothing of the batch may be acknowledged).
 */
export async function storeWithRetry<Message extends { topic: string }>(
  batch: readonly Message[],
  options: StoreRetry<Message>,
): Promise<void> {
  const { initialMs, maxMs } = options.retry ?? { initialMs: 500, maxMs: 30_000 };
  for (let attempt = 0; ; attempt++) {
    if (options.closing()) throw new Error('closing');
    try {
      await options.handle(batch);
      return;
    } catch (error) {
      const delay = Math.min(maxMs, initialMs * 2 ** attempt);
      options.log.error(
        {
          topic: batch[0]?.topic,
          messages: batch.length,
          attempt,
          err: (error as Error).message,
          retryInMs: delay,
        },
        'could not store a batch; retrying',
      );
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
