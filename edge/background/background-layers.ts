import type { WorkGrid } from './grey-features.ts';

/** How the per-cell layers learn and compare (times in seconds, differences in log-gradient units). */
export interface LayerOptions {
  /** Time constant of the short-term layer: what has stayed this long counts as still. */
  shortSeconds: number;
  /** Time constant of the long-term layer's slow drift, where it agrees with the frame. */
  longSeconds: number;
  /** A cell must be still (and free of tracked objects) this long before its background is learned. */
  learnSeconds: number;
  /** Gradient difference (|Δgx| + |Δgy|) above which a cell differs. */
  threshold: number;
  /** Time constant of `unrest`, the count of a cell's recent flips between changed and not. */
  unrestSeconds: number;
}

/** A changed cell is back to the background below this share of the threshold. */
const RETURN_SHARE = 0.6;

/**
 * The background per cell of the work grid, as gradients of log brightness in two layers:
 * - short-term: follows the frame within seconds; a cell that differs from it is moving now;
 * - long-term: learned once a cell has been still for `learnSeconds`, then drifts slowly only
 *   where the frame agrees with it, so that something that came and stayed is never absorbed
 *   (the caller absorbs small leftovers, see `absorb`).
 * A cell that differs from the long-term layer and not from the short-term one has changed and
 * stayed: `still` marks it. Cells covered by tracked people and vehicles (`cover`) learn nothing
 * and are never `still`. Each frame compares against the long-term layer's 3×3 neighbourhood
 * (the best match, see bestLongMatch), so that a shift of a cell (camera shake) is not a change.
 */
export class BackgroundLayers {
  /** Per cell: differs from the long-term layer (learned cells only). */
  readonly changed: Uint8Array;
  /** Per cell: changed, and still for the short-term layer, and not covered: part of a stay. */
  readonly still: Uint8Array;
  /** Per cell: covered by a tracked object, or moving now (what hides a region behind it). */
  readonly hidden: Uint8Array;
  /** Per cell, the current frame's and the long-term layer's gradient magnitude. */
  readonly frameEnergy: Float32Array;
  readonly backgroundEnergy: Float32Array;
  /**
   * Per cell, how often it has flipped between changed and not lately (decaying with
   * `unrestSeconds`): high where the street itself moves (barrier tape or a flag in the wind,
   * leaves), about 1 where something came and stayed.
   */
  readonly unrest: Float32Array;
  private readonly shortX: Float32Array;
  private readonly shortY: Float32Array;
  private readonly longX: Float32Array;
  private readonly longY: Float32Array;
  private readonly learned: Uint8Array;
  /** Stream time from which a cell has been still and uncovered; Infinity while it is not. */
  private readonly stillSince: Float64Array;
  private lastTime = Number.NaN;

  constructor(
    readonly grid: WorkGrid,
    private readonly options: LayerOptions,
  ) {
    const n = grid.width * grid.height;
    this.changed = new Uint8Array(n);
    this.still = new Uint8Array(n);
    this.hidden = new Uint8Array(n);
    this.frameEnergy = new Float32Array(n);
    this.backgroundEnergy = new Float32Array(n);
    this.unrest = new Float32Array(n);
    this.shortX = new Float32Array(n);
    this.shortY = new Float32Array(n);
    this.longX = new Float32Array(n);
    this.longY = new Float32Array(n);
    this.learned = new Uint8Array(n);
    this.stillSince = new Float64Array(n).fill(Number.POSITIVE_INFINITY);
  }

  /**
   * Takes the frame's gradients at stream time `time`; `covered` marks cells under tracked objects.
   * Fills `changed`, `still` and `hidden`.
   */
  update(time: number, gx: Float32Array, gy: Float32Array, covered: Uint8Array): void {
    const { width, height } = this.grid;
    const { threshold, learnSeconds } = this.options;
    const first = Number.isNaN(this.lastTime);
    const dt = first ? 0 : Math.max(0, time - this.lastTime);
    this.lastTime = time;
    const shortRate = first ? 1 : 1 - Math.exp(-dt / this.options.shortSeconds);
    const longRate = 1 - Math.exp(-dt / this.options.longSeconds);
    const unrestKeep = Math.exp(-dt / this.options.unrestSeconds);
    const { shortX, shortY, longX, longY, learned, stillSince } = this;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const i = y * width + x;
        const fx = gx[i] as number;
        const fy = gy[i] as number;
        const isCovered = covered[i] === 1;
        const moving =
          !first && Math.abs(fx - (shortX[i] as number)) + Math.abs(fy - (shortY[i] as number)) > threshold;
        if (!isCovered) {
          shortX[i] = (shortX[i] as number) + shortRate * (fx - (shortX[i] as number));
          shortY[i] = (shortY[i] as number) + shortRate * (fy - (shortY[i] as number));
        }
        this.hidden[i] = isCovered || moving ? 1 : 0;
        this.frameEnergy[i] = Math.abs(fx) + Math.abs(fy);
        const settled = !isCovered && !moving;
        if (!settled) stillSince[i] = Number.POSITIVE_INFINITY;
        else if (stillSince[i] === Number.POSITIVE_INFINITY) stillSince[i] = time;
        const wasChanged = this.changed[i];
        this.changed[i] = 0;
        this.still[i] = 0;
        this.unrest[i] = (this.unrest[i] as number) * unrestKeep;
        if (learned[i] === 0) {
          if (settled && time - (stillSince[i] as number) >= learnSeconds) {
            longX[i] = shortX[i] as number;
            longY[i] = shortY[i] as number;
            learned[i] = 1;
          }
          this.backgroundEnergy[i] = this.frameEnergy[i] as number;
          continue;
        }
        this.backgroundEnergy[i] = Math.abs(longX[i] as number) + Math.abs(longY[i] as number);
        // Hysteresis: a changed cell stays changed until it is clearly back (noise at the threshold does not flip it).
        const limit = wasChanged === 1 ? threshold * RETURN_SHARE : threshold;
        if (this.bestLongMatch(x, y, fx, fy) > limit) {
          this.changed[i] = 1;
          if (settled) this.still[i] = 1;
        }
        if (!isCovered && this.changed[i] !== wasChanged) this.unrest[i] = (this.unrest[i] as number) + 1;
        if (this.changed[i] === 0 && !isCovered && this.ownMatch(i, fx, fy) <= threshold) {
          // Only a cell that matches itself drifts: one that matched a neighbour (a shift) keeps its own.
          longX[i] = (longX[i] as number) + longRate * (fx - (longX[i] as number));
          longY[i] = (longY[i] as number) + longRate * (fy - (longY[i] as number));
        }
      }
    }
  }

  private ownMatch(i: number, fx: number, fy: number): number {
    return Math.abs(fx - (this.longX[i] as number)) + Math.abs(fy - (this.longY[i] as number));
  }

  /** Takes the short-term layer as the background of cell `i` (a change too small to be anything). */
  absorb(i: number): void {
    this.longX[i] = this.shortX[i] as number;
    this.longY[i] = this.shortY[i] as number;
  }

  /** Seconds cell `i` has been still and uncovered, at `time`. */
  stillFor(i: number, time: number): number {
    return Math.max(0, time - (this.stillSince[i] as number));
  }

  /**
   * How far (fx, fy) is from the long-term layer around cell (x, y): the least L1 distance to the
   * cell, to a neighbour, or to a point between the cell and a neighbour (a shift by part of a cell
   * blends the two), so that the view moving by a cell or less is not a change.
   */
  private bestLongMatch(x: number, y: number, fx: number, fy: number): number {
    const { width, height } = this.grid;
    const i = y * width + x;
    const ax = this.longX[i] as number;
    const ay = this.longY[i] as number;
    let best = Math.abs(fx - ax) + Math.abs(fy - ay);
    for (let ny = Math.max(0, y - 1); ny <= Math.min(height - 1, y + 1); ny++) {
      for (let nx = Math.max(0, x - 1); nx <= Math.min(width - 1, x + 1); nx++) {
        const j = ny * width + nx;
        if (j === i || this.learned[j] === 0) continue;
        const dx = (this.longX[j] as number) - ax;
        const dy = (this.longY[j] as number) - ay;
        const length = dx * dx + dy * dy;
        const t = length === 0 ? 0 : Math.min(1, Math.max(0, ((fx - ax) * dx + (fy - ay) * dy) / length));
        const d = Math.abs(fx - ax - t * dx) + Math.abs(fy - ay - t * dy);
        if (d < best) best = d;
      }
    }
    return best;
  }
}
