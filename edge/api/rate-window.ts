interface RateSample {
  time: number;
  value: number;
}

/**
 * The rate of a counter over a trailing window, from samples taken whenever convenient (a timer and
 * each scrape). Time is passed in, in milliseconds. The oldest sample kept is the newest one at or
 * before the window's start, so the rate spans the whole window once there is enough history.
 * Samples closer together than `spacingMs` replace each other, which bounds memory however often
 * it is scraped. A counter that goes down (or a clock that goes back) starts the history afresh.
 */
export class RateWindow {
  private samples: RateSample[] = [];

  constructor(
    private readonly windowMs: number,
    private readonly spacingMs = 250,
  ) {
    if (!(windowMs > 0)) throw new RangeError(`rate window must be positive, got ${windowMs} ms`);
  }

  add(time: number, value: number): void {
    const last = this.samples.at(-1);
    if (last !== undefined && (value < last.value || time < last.time)) this.samples = [];
    const newest = this.samples.at(-1);
    const previous = this.samples.at(-2);
    if (newest !== undefined && previous !== undefined && time - previous.time < this.spacingMs) {
      newest.time = time;
      newest.value = value;
    } else {
      this.samples.push({ time, value });
    }
    const start = time - this.windowMs;
    for (
      let second = this.samples[1];
      second !== undefined && second.time <= start;
      second = this.samples[1]
    ) {
      if (this.samples.length <= 2) break;
      this.samples.shift();
    }
  }

  /** Per second over the window; 0 until two samples some time apart exist. */
  perSecond(): number {
    const first = this.samples[0];
    const last = this.samples.at(-1);
    if (first === undefined || last === undefined || last.time <= first.time) return 0;
    return ((last.value - first.value) * 1000) / (last.time - first.time);
  }
}
