import type { Watchdog } from '../../foundation/media/supervised-process.ts';

/**
 * The frame watchdog of camera supervision (foundation/media/supervised-process.ts restarts). Times
 * are milliseconds from any clock (they are only compared with each other), so tests drive them by hand.
 */

export interface WatchdogOptions {
  /** The configured analysis rate, frames per second. */
  fps: number;
  /** A run that has had frames is stalled after this long without one. */
  stallSeconds: number;
  /**
   * A run is stalled when its first frame has not come this long after the start: connecting plus
   * ffmpeg's stream probing, which reads a few seconds of a live stream. Default `stallSeconds`.
   */
  connectSeconds?: number;
  /** The delivered rate over a window must reach this fraction of `fps`… */
  minRateRatio: number;
  /** …measured over windows of this many seconds, the first starting at the run's first frame. */
  rateWindowSeconds: number;
}

export type WatchdogVerdict =
  | { kind: 'stall'; message: string }
  | { kind: 'low_rate'; message: string; rate: number };

/**
 * Watches one run of a camera (one ffmpeg process): `progress(now)` for each frame delivered,
 * `check(now)` on a timer. `check` answers a verdict once the run should be restarted: no first frame
 * within `connectSeconds`, no frame for `stallSeconds`, or fewer than `minRateRatio × fps` frames per second over a whole rate window
 * (tumbling windows; a rate above `fps` is fine, as a file read at full speed gives).
 */
export class FrameWatchdog implements Watchdog {
  private readonly options: WatchdogOptions;
  private readonly startedAt: number;
  private lastFrameAt: number | undefined;
  private windowStart: number | undefined;
  private windowFrames = 0;

  constructor(options: WatchdogOptions, startedAt: number) {
    this.options = options;
    this.startedAt = startedAt;
  }

  progress(now: number): void {
    this.lastFrameAt = now;
    if (this.windowStart === undefined) {
      // The first frame opens the first window; it is not counted, as it took the connection time.
      this.windowStart = now;
      return;
    }
    this.windowFrames += 1;
  }

  check(now: number): WatchdogVerdict | undefined {
    const { stallSeconds, rateWindowSeconds, fps, minRateRatio } = this.options;
    const first = this.lastFrameAt === undefined;
    const silentMs = now - (this.lastFrameAt ?? this.startedAt);
    const limitSeconds = first ? (this.options.connectSeconds ?? stallSeconds) : stallSeconds;
    if (silentMs >= limitSeconds * 1000) {
      const what = first ? 'no first frame' : 'no frame';
      return { kind: 'stall', message: `${what} for ${(silentMs / 1000).toFixed(1)} s` };
    }
    if (this.windowStart === undefined) return undefined;
    const windowMs = now - this.windowStart;
    if (windowMs < rateWindowSeconds * 1000) return undefined;
    const rate = this.windowFrames / (windowMs / 1000);
    this.windowStart = now;
    this.windowFrames = 0;
    const minRate = minRateRatio * fps;
    if (rate < minRate) {
      return {
        kind: 'low_rate',
        rate,
        message: `frame rate ${rate.toFixed(2)}/s over ${(windowMs / 1000).toFixed(1)} s, below ${minRate.toFixed(2)}/s (${Math.round(minRateRatio * 100)} % of ${fps} fps)`,
      };
    }
    return undefined;
  }
}
