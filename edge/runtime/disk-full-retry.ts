import type { EdgeEvent } from '../../foundation/contract/events.ts';
import type { StorageHealth } from './storage-health.ts';

export interface DiskFullRetryOptions {
  storage: StorageHealth;
  /** Frees space for events (the clip buffers' oldest video first). */
  makeRoom: () => Promise<void>;
  /** True once the node is stopping: one more attempt, then the event is given up (and logged). */
  stopping: () => boolean;
  /** Between attempts: 250 ms, doubling, at most this. Default 5000. */
  maxDelayMs?: number;
}

const FIRST_DELAY_MS = 250;

/**
 * Wraps the outbox append so that a full disk never costs an event: an append refused for want of
 * space is retried, after making room, until the disk takes it (the event waits in memory, in
 * order, counted in `eventsWaiting`). Any other failure is passed on as it is.
 */
export function retryOnDiskFull(
  append: (event: EdgeEvent) => Promise<unknown>,
  options: DiskFullRetryOptions,
): (event: EdgeEvent) => Promise<void> {
  const { storage } = options;
  const maxDelayMs = options.maxDelayMs ?? 5000;
  return async (event) => {
    let waiting = false;
    try {
      for (let attempt = 0; ; attempt++) {
        try {
          await append(event);
          storage.wrote();
          return;
        } catch (error) {
          if (!storage.failed(error, `outbox append of ${event.eventId}`)) throw error;
          if (options.stopping() && attempt > 0) {
            throw new Error(`event ${event.eventId} given up at stop: the disk stayed full`, {
              cause: error,
            });
          }
          if (!waiting) storage.waiting(1);
          waiting = true;
          await options.makeRoom().catch(() => {});
          await new Promise((resolve) =>
            setTimeout(resolve, Math.min(maxDelayMs, FIRST_DELAY_MS * 2 ** attempt)),
          );
        }
      }
    } finally {
      if (waiting) storage.waiting(-1);
    }
  };
}
