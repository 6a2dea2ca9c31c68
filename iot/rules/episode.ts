import type { EventPhase } from '../../foundation/contract/events.ts';

export interface EpisodeOptions {
  /** The condition must hold this long, without a break, before the episode starts. */
  minDurationMs: number;
  /** The condition must be false this long before the episode ends. */
  clearMs: number;
  /** An open episode reports new readings at most this often; 0: never. */
  updateMs: number;
}

/**
 * An open episode as plain JSON-safe data (for a journal): what `restore` needs to carry it on.
 * `min`/`max`/`last` are null while it has no reading (their start values are not JSON numbers).
 */
export interface EpisodeSnapshot {
  startedAt: number;
  observedAt: number;
  sequence: number;
  count: number;
  min: number | null;
  max: number | null;
  sum: number;
  last: number | null;
  lastActiveAt: number;
  lastReportAt: number;
}

const finiteOr = <T>(value: number, otherwise: T): number | T => (Number.isFinite(value) ? value : otherwise);

/**
 * One rule's episode on one device, stepped by event time: start once the condition has held for
 * the minimum duration (dated from when it began to hold), updates while it lasts, end once it
 * has been false for the clear time (dated from when it last held). One incident per episode.
 * Keeps a summary of the metric over the active readings. Plain fields, no allocation per step.
 */
export class Episode {
  open = false;
  startedAt = Number.NaN;
  observedAt = Number.NaN;
  endedAt = Number.NaN;
  sequence = 0;
  count = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;
  sum = 0;
  last = Number.NaN;
  private activeSince = Number.NaN;
  private lastActiveAt = Number.NaN;
  private inactiveSince = Number.NaN;
  private lastReportAt = Number.NaN;
  private reportedCount = 0;

  constructor(private readonly options: EpisodeOptions) {}

  /** Neither open nor waiting out its minimum duration: nothing would be lost by forgetting it. */
  get idle(): boolean {
    return !this.open && Number.isNaN(this.activeSince);
  }

  /** The open episode as data (see EpisodeSnapshot); undefined when none is open. */
  snapshot(): EpisodeSnapshot | undefined {
    if (!this.open) return undefined;
    return {
      startedAt: this.startedAt,
      observedAt: this.observedAt,
      sequence: this.sequence,
      count: this.count,
      min: finiteOr(this.min, null),
      max: finiteOr(this.max, null),
      sum: this.sum,
      last: finiteOr(this.last, null),
      lastActiveAt: finiteOr(this.lastActiveAt, this.startedAt),
      lastReportAt: finiteOr(this.lastReportAt, this.observedAt),
    };
  }

  /**
   * Opens the episode as `snapshot` left it (a restart): the next readings carry it on (updates
   * on the same grid, the end once clear for `clearMs`), as if the node had never stopped.
   */
  restore(snapshot: EpisodeSnapshot): void {
    this.open = true;
    this.startedAt = snapshot.startedAt;
    this.observedAt = snapshot.observedAt;
    this.sequence = snapshot.sequence;
    this.count = snapshot.count;
    this.min = snapshot.min ?? Number.POSITIVE_INFINITY;
    this.max = snapshot.max ?? Number.NEGATIVE_INFINITY;
    this.sum = snapshot.sum;
    this.last = snapshot.last ?? Number.NaN;
    this.lastActiveAt = snapshot.lastActiveAt;
    this.lastReportAt = snapshot.lastReportAt;
    this.reportedCount = snapshot.count;
    this.activeSince = Number.NaN;
    this.inactiveSince = Number.NaN;
  }

  step(t: number, active: boolean, metric: number): EventPhase | undefined {
    if (active) {
      if (Number.isNaN(this.activeSince)) {
        this.activeSince = t;
        if (!this.open) this.resetSummary();
      }
      this.inactiveSince = Number.NaN;
      this.lastActiveAt = t;
      this.count += 1;
      this.sum += metric;
      this.last = metric;
      if (metric > this.max) this.max = metric;
      if (metric < this.min) this.min = metric;
      if (!this.open) {
        if (t - this.activeSince < this.options.minDurationMs) return undefined;
        this.open = true;
        this.startedAt = this.activeSince;
        this.sequence = 0;
        return this.report(t);
      }
      const { updateMs } = this.options;
      if (updateMs > 0 && t - this.lastReportAt >= updateMs && this.count > this.reportedCount) {
        this.sequence += 1;
        return this.report(t);
      }
      return undefined;
    }
    if (!this.open) {
      this.activeSince = Number.NaN;
      return undefined;
    }
    if (Number.isNaN(this.inactiveSince)) this.inactiveSince = t;
    if (t - this.inactiveSince < this.options.clearMs) return undefined;
    return this.close(t);
  }

  /** Ends an open episode now (shutdown, device removed); undefined when none is open. */
  close(t: number): EventPhase | undefined {
    if (!this.open) return undefined;
    this.open = false;
    this.activeSince = Number.NaN;
    this.inactiveSince = Number.NaN;
    this.sequence += 1;
    this.observedAt = t;
    this.endedAt = this.lastActiveAt;
    return 'end';
  }

  private report(t: number): EventPhase {
    this.observedAt = t;
    this.lastReportAt = t;
    this.reportedCount = this.count;
    return this.sequence === 0 ? 'start' : 'update';
  }

  private resetSummary(): void {
    this.count = 0;
    this.sum = 0;
    this.min = Number.POSITIVE_INFINITY;
    this.max = Number.NEGATIVE_INFINITY;
    this.last = Number.NaN;
  }
}
