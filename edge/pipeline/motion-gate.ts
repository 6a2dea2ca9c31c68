import type { RawImage } from '../../foundation/media/frame.ts';

export interface MotionGateOptions {
  /** Grey-level change (0..255) above which a sampled pixel counts as moving. */
  pixelThreshold: number;
  /** Share of sampled, unmasked pixels that must move for the frame to count as motion. */
  minAreaRatio: number;
  /** Sample every n-th pixel in x and y: the gate needs coarse change, not detail. */
  step: number;
  /** How fast the background follows the scene (0..1 per frame). */
  backgroundRate: number;
  /** Frame points (pixels) where motion is ignored: trees, clocks, screens, the timestamp. */
  masked?: (x: number, y: number) => boolean;
}

export const DEFAULT_MOTION_GATE: MotionGateOptions = {
  pixelThreshold: 25,
  minAreaRatio: 0.002,
  step: 4,
  backgroundRate: 0.1,
};

/**
 * Decides per frame whether anything moved, against a running-average background on a sampled
 * grey grid. Allocates once per frame size; the per-frame work is one pass over the samples.
 */
export class MotionGate {
  private background: Float32Array | undefined;
  private ignore: Uint8Array | undefined;
  private width = 0;
  private height = 0;
  private active = 0;

  constructor(private readonly options: MotionGateOptions = DEFAULT_MOTION_GATE) {}

  /** Share of sampled pixels that moved; the first frame only primes the background (1). */
  measure(frame: RawImage): number {
    const { step, pixelThreshold, backgroundRate } = this.options;
    const cols = Math.ceil(frame.width / step);
    const rows = Math.ceil(frame.height / step);
    if (!this.background || frame.width !== this.width || frame.height !== this.height) {
      this.prime(frame, cols, rows);
      return 1;
    }
    const background = this.background;
    const ignore = this.ignore as Uint8Array;
    const data = frame.data;
    let moving = 0;
    for (let r = 0, k = 0; r < rows; r++) {
      const rowBase = r * step * frame.width;
      for (let c = 0; c < cols; c++, k++) {
        const i = (rowBase + c * step) * 3;
        const grey =
          0.299 * (data[i] as number) + 0.587 * (data[i + 1] as number) + 0.114 * (data[i + 2] as number);
        const previous = background[k] as number;
        if (ignore[k] === 0 && Math.abs(grey - previous) > pixelThreshold) moving++;
        background[k] = previous + backgroundRate * (grey - previous);
      }
    }
    return this.active === 0 ? 0 : moving / this.active;
  }

  hasMotion(frame: RawImage): boolean {
    return this.measure(frame) >= this.options.minAreaRatio;
  }

  private prime(frame: RawImage, cols: number, rows: number): void {
    const { step, masked } = this.options;
    this.width = frame.width;
    this.height = frame.height;
    this.background = new Float32Array(cols * rows);
    this.ignore = new Uint8Array(cols * rows);
    this.active = 0;
    for (let r = 0, k = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++, k++) {
        const x = c * step;
        const y = r * step;
        const i = (y * frame.width + x) * 3;
        const d = frame.data;
        this.background[k] =
          0.299 * (d[i] as number) + 0.587 * (d[i + 1] as number) + 0.114 * (d[i + 2] as number);
        const skip = masked?.(x, y) ?? false;
        this.ignore[k] = skip ? 1 : 0;
        if (!skip) this.active++;
      }
    }
  }
}
