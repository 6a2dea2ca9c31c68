import { statfs } from 'node:fs/promises';
import { isDiskFull } from '../../foundation/util/disk-full.ts';

/** `disk_full`: a write failed for want of space and none has succeeded since. */
export type StorageState = 'ok' | 'disk_full';

export interface StorageStats {
  state: StorageState;
  /** When the disk was found full (ms since the epoch); null while `ok`. */
  since: number | null;
  /** The last write that failed for want of space, and why. */
  lastError: string | null;
  /** Writes that failed for want of space since start (snapshots, clips, outbox appends, the journal). */
  fullWrites: number;
  /** Events held in memory, in order, because the outbox could not take them yet. */
  eventsWaiting: number;
  /** The data folder's file system, at the last measurement (null before the first). */
  freeBytes: number | null;
  totalBytes: number | null;
  /** Space kept free for the outbox and the journal: the clip buffers give way below it. */
  reserveBytes: number | null;
}

const MIB = 1024 * 1024;
/** The reserve is this share of the file system, within the bounds below. */
const RESERVE_SHARE = 0.05;
const RESERVE_MIN = 2 * MIB;
const RESERVE_MAX = 256 * MIB;

/** The reserve for a file system of `totalBytes`: 5 %, at least 2 MiB, at most 256 MiB. */
export function reserveFor(totalBytes: number): number {
  return Math.round(Math.min(RESERVE_MAX, Math.max(RESERVE_MIN, totalBytes * RESERVE_SHARE)));
}

/**
 * The edge's disk, as its writers meet it: the state (`disk_full` from a write refused for want of
 * space until the next write that succeeds), the counts, and the free space of the data folder's
 * file system against the reserve the clip buffers leave for events.
 */
export class StorageHealth {
  readonly #dir: string;
  readonly #clock: () => number;
  readonly #onChange: (state: StorageState, detail: string) => void;
  #stats: StorageStats = {
    state: 'ok',
    since: null,
    lastError: null,
    fullWrites: 0,
    eventsWaiting: 0,
    freeBytes: null,
    totalBytes: null,
    reserveBytes: null,
  };

  constructor(
    dir: string,
    options: { clock?: () => number; onChange?: (state: StorageState, detail: string) => void } = {},
  ) {
    this.#dir = dir;
    this.#clock = options.clock ?? Date.now;
    this.#onChange = options.onChange ?? (() => {});
  }

  stats(): StorageStats {
    return { ...this.#stats };
  }

  /** A write succeeded: the disk takes writes again. */
  wrote(): void {
    if (this.#stats.state === 'ok') return;
    this.#stats = { ...this.#stats, state: 'ok', since: null };
    this.#onChange('ok', 'writes succeed again');
  }

  /** A write failed; true (and the state `disk_full`) when it was for want of space. */
  failed(error: unknown, what: string): boolean {
    if (!isDiskFull(error)) return false;
    const message = `${what}: ${error instanceof Error ? error.message : String(error)}`.slice(0, 300);
    const wasOk = this.#stats.state === 'ok';
    this.#stats = {
      ...this.#stats,
      state: 'disk_full',
      since: this.#stats.since ?? this.#clock(),
      lastError: message,
      fullWrites: this.#stats.fullWrites + 1,
    };
    if (wasOk) this.#onChange('disk_full', message);
    return true;
  }

  /** Counts events waiting for the outbox (+1 when one starts waiting, -1 when it is in). */
  waiting(delta: number): void {
    this.#stats.eventsWaiting += delta;
  }

  /** Bytes to free for the file system to have its reserve again (0 when it has); measures it. */
  async shortfall(): Promise<number> {
    const info = await statfs(this.#dir);
    const total = info.blocks * info.bsize;
    const free = info.bavail * info.bsize;
    const reserve = reserveFor(total);
    this.#stats.freeBytes = free;
    this.#stats.totalBytes = total;
    this.#stats.reserveBytes = reserve;
    return Math.max(0, reserve - free);
  }
}
