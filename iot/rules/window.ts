/**
 * Event-time windows over one device's values. `add` takes readings in time order and says when a
 * value is ready; the value and its time are then in `value` and `at` (fields, not a returned
 * object: this runs per reading).
 */
export type Aggregate = 'mean' | 'max' | 'min';

export interface ValueWindow {
  add(t: number, v: number): boolean;
  readonly value: number;
  readonly at: number;
}

/** Fixed slots [k·size, (k+1)·size); a slot's value is ready when the first reading past it arrives. */
export class TumblingWindow implements ValueWindow {
  value = Number.NaN;
  at = Number.NaN;
  private slot = Number.NaN;
  private count = 0;
  private sum = 0;
  private max = Number.NEGATIVE_INFINITY;
  private min = Number.POSITIVE_INFINITY;

  constructor(
    private readonly sizeMs: number,
    private readonly aggregate: Aggregate,
  ) {}

  add(t: number, v: number): boolean {
    const slot = Math.floor(t / this.sizeMs);
    let ready = false;
    if (slot !== this.slot && this.count > 0) {
      this.value =
        this.aggregate === 'mean' ? this.sum / this.count : this.aggregate === 'max' ? this.max : this.min;
      this.at = (this.slot + 1) * this.sizeMs;
      ready = true;
      this.count = 0;
      this.sum = 0;
      this.max = Number.NEGATIVE_INFINITY;
      this.min = Number.POSITIVE_INFINITY;
    }
    this.slot = slot;
    this.count += 1;
    this.sum += v;
    if (v > this.max) this.max = v;
    if (v < this.min) this.min = v;
    return ready;
  }
}

/**
 * The readings of the last `size` (inclusive of the newest); a value per reading once the readings
 * span the whole window, so that a device's first reading alone (or the first after a gap longer
 * than the window) is not taken for the window's mean.
 */
export class SlidingWindow implements ValueWindow {
  value = Number.NaN;
  at = Number.NaN;
  private since = Number.NaN;
  private times = new Float64Array(16);
  private values = new Float64Array(16);
  private head = 0;
  private size = 0;
  private sum = 0;

  constructor(
    private readonly sizeMs: number,
    private readonly aggregate: Aggregate,
  ) {}

  add(t: number, v: number): boolean {
    if (this.size === this.times.length) this.grow();
    const cap = this.times.length;
    const tail = (this.head + this.size) % cap;
    this.times[tail] = t;
    this.values[tail] = v;
    this.size += 1;
    this.sum += v;
    while (this.size > 1 && (this.times[this.head] as number) <= t - this.sizeMs) {
      this.sum -= this.values[this.head] as number;
      this.head = (this.head + 1) % cap;
      this.size -= 1;
    }
    if (this.size === 1) this.since = t;
    if (t - this.since < this.sizeMs) return false;
    this.at = t;
    this.value = this.aggregate === 'mean' ? this.sum / this.size : this.extreme(this.aggregate === 'max');
    return true;
  }

  private extreme(max: boolean): number {
    const cap = this.times.length;
    let best = max ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
    for (let k = 0; k < this.size; k++) {
      const v = this.values[(this.head + k) % cap] as number;
      if (max ? v > best : v < best) best = v;
    }
    return best;
  }

  private grow(): void {
    const cap = this.times.length;
    const times = new Float64Array(cap * 2);
    const values = new Float64Array(cap * 2);
    for (let k = 0; k < this.size; k++) {
      times[k] = this.times[(this.head + k) % cap] as number;
      values[k] = this.values[(this.head + k) % cap] as number;
    }
    this.times = times;
    this.values = values;
    this.head = 0;
  }
}
