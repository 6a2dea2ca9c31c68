import type { Box } from '../../foundation/media/frame.ts';

/**
 * Noise settings, each relative to the box's size (its width for cx and w, its height for cy and
 * h), so one setting suits near and far objects alike. Times are in seconds.
 */
export interface KalmanBoxOptions {
  /** Standard deviation of a detected box's cx, cy, w, h, as a fraction of the box size. */
  measurementNoise: number;
  /** Random-walk noise on position, in box sizes per √s (jitter the velocity does not explain). */
  positionNoise: number;
  /** White-noise acceleration, in box sizes per s^1.5: how fast the velocity may change. */
  accelerationNoise: number;
  /** Standard deviation of the unknown velocity of a new box, in box sizes per second. */
  initialVelocityNoise: number;
}

export const DEFAULT_KALMAN_BOX_OPTIONS: Readonly<KalmanBoxOptions> = {
  measurementNoise: 0.05,
  positionNoise: 0.1,
  accelerationNoise: 1,
  initialVelocityNoise: 1,
};

/** Sizes never shrink below this many pixels, so noise terms stay positive. */
const MIN_SIZE = 1;
const CX = 0;
const CY = 1;
const W = 2;
const H = 3;

/**
 * Constant-velocity Kalman filter on a box's [cx, cy, w, h] and their velocities, with a variable
 * time step. With diagonal process and measurement noise the 8-state filter splits exactly into
 * four independent (position, velocity) filters, which is what is stored: a mean and a symmetric
 * 2×2 covariance per coordinate. No allocation after construction.
 */
export class KalmanBox {
  /** [cx, cy, w, h, vcx, vcy, vw, vh], pixels and pixels per second. */
  readonly mean = new Float64Array(8);
  /** Per coordinate k: [var(pos), cov(pos, vel), var(vel)] at 3k..3k+2. */
  private readonly cov = new Float64Array(12);
  private readonly options: Readonly<KalmanBoxOptions>;

  constructor(box: Readonly<Box>, options: Partial<KalmanBoxOptions> = {}) {
    this.options = { ...DEFAULT_KALMAN_BOX_OPTIONS, ...options };
    const [x1, y1, x2, y2] = box;
    const w = Math.max(MIN_SIZE, x2 - x1);
    const h = Math.max(MIN_SIZE, y2 - y1);
    this.mean[CX] = (x1 + x2) / 2;
    this.mean[CY] = (y1 + y2) / 2;
    this.mean[W] = w;
    this.mean[H] = h;
    const { measurementNoise, initialVelocityNoise } = this.options;
    for (let k = 0; k < 4; k++) {
      const size = k % 2 === 0 ? w : h;
      this.cov[3 * k] = (2 * measurementNoise * size) ** 2;
      this.cov[3 * k + 1] = 0;
      this.cov[3 * k + 2] = (initialVelocityNoise * size) ** 2;
    }
  }

  /** Moves the state `dt` seconds forward. */
  predict(dt: number): void {
    if (!(dt > 0)) return;
    const { positionNoise, accelerationNoise } = this.options;
    const width = this.mean[W] as number;
    const height = this.mean[H] as number;
    for (let k = 0; k < 4; k++) {
      const size = k % 2 === 0 ? width : height;
      const q = (accelerationNoise * size) ** 2;
      const qPos = (positionNoise * size) ** 2 * dt;
      const o = 3 * k;
      const pp = this.cov[o] as number;
      const pv = this.cov[o + 1] as number;
      const vv = this.cov[o + 2] as number;
      this.mean[k] = (this.mean[k] as number) + (this.mean[k + 4] as number) * dt;
      this.cov[o] = pp + 2 * dt * pv + dt * dt * vv + (q * dt ** 3) / 3 + qPos;
      this.cov[o + 1] = pv + dt * vv + (q * dt * dt) / 2;
      this.cov[o + 2] = vv + q * dt;
    }
    this.mean[W] = Math.max(MIN_SIZE, this.mean[W] as number);
    this.mean[H] = Math.max(MIN_SIZE, this.mean[H] as number);
  }

  /** Folds in a measured box. */
  update(box: Readonly<Box>): void {
    const [x1, y1, x2, y2] = box;
    const { measurementNoise } = this.options;
    const width = this.mean[W] as number;
    const height = this.mean[H] as number;
    for (let k = 0; k < 4; k++) {
      const z = k === CX ? (x1 + x2) / 2 : k === CY ? (y1 + y2) / 2 : k === W ? x2 - x1 : y2 - y1;
      const size = k % 2 === 0 ? width : height;
      const o = 3 * k;
      const pp = this.cov[o] as number;
      const pv = this.cov[o + 1] as number;
      const vv = this.cov[o + 2] as number;
      const s = pp + (measurementNoise * size) ** 2;
      const gainPos = pp / s;
      const gainVel = pv / s;
      const residual = z - (this.mean[k] as number);
      this.mean[k] = (this.mean[k] as number) + gainPos * residual;
      this.mean[k + 4] = (this.mean[k + 4] as number) + gainVel * residual;
      this.cov[o] = (1 - gainPos) * pp;
      this.cov[o + 1] = (1 - gainPos) * pv;
      this.cov[o + 2] = vv - gainVel * pv;
    }
    this.mean[W] = Math.max(MIN_SIZE, this.mean[W] as number);
    this.mean[H] = Math.max(MIN_SIZE, this.mean[H] as number);
  }

  /** Stops the size from drifting while the object is unseen (ByteTrack does the same). */
  freezeSize(): void {
    this.mean[W + 4] = 0;
    this.mean[H + 4] = 0;
  }

  /** Velocity of the box centre, pixels per second. */
  get vx(): number {
    return this.mean[CX + 4] as number;
  }

  get vy(): number {
    return this.mean[CY + 4] as number;
  }

  /** The current box as [x1, y1, x2, y2], written into `out` when given. */
  box(out: Box = [0, 0, 0, 0]): Box {
    const cx = this.mean[CX] as number;
    const cy = this.mean[CY] as number;
    const halfW = (this.mean[W] as number) / 2;
    const halfH = (this.mean[H] as number) / 2;
    out[0] = cx - halfW;
    out[1] = cy - halfH;
    out[2] = cx + halfW;
    out[3] = cy + halfH;
    return out;
  }
}
