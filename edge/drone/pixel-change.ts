import type { ChangeDetector } from './change-detector.ts';
import { type FloatMap, type RgbImage, toGrey } from './raster.ts';

/** Sobel gradient magnitude of a grey image, 0..~1. */
function gradient(grey: Uint8Array, width: number, height: number): Float32Array {
  const out = new Float32Array(width * height);
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      const i = y * width + x;
      const tl = grey[i - width - 1] ?? 0;
      const t = grey[i - width] ?? 0;
      const tr = grey[i - width + 1] ?? 0;
      const l = grey[i - 1] ?? 0;
      const r = grey[i + 1] ?? 0;
      const bl = grey[i + width - 1] ?? 0;
      const b = grey[i + width] ?? 0;
      const br = grey[i + width + 1] ?? 0;
      const gx = tr + 2 * r + br - tl - 2 * l - bl;
      const gy = bl + 2 * b + br - tl - 2 * t - tr;
      out[i] = Math.hypot(gx, gy) / 1020;
    }
  }
  return out;
}

/** Mean over a (2r+1)² window, separable running sums. */
export function boxBlur(map: Float32Array, width: number, height: number, radius: number): Float32Array {
  const tmp = new Float32Array(map.length);
  const out = new Float32Array(map.length);
  const n = 2 * radius + 1;
  for (let y = 0; y < height; y++) {
    let sum = 0;
    const row = y * width;
    for (let k = -radius; k <= radius; k++) sum += map[row + Math.min(width - 1, Math.max(0, k))] ?? 0;
    for (let x = 0; x < width; x++) {
      tmp[row + x] = sum / n;
      sum +=
        (map[row + Math.min(width - 1, x + radius + 1)] ?? 0) - (map[row + Math.max(0, x - radius)] ?? 0);
    }
  }
  for (let x = 0; x < width; x++) {
    let sum = 0;
    for (let k = -radius; k <= radius; k++) sum += tmp[Math.min(height - 1, Math.max(0, k)) * width + x] ?? 0;
    for (let y = 0; y < height; y++) {
      out[y * width + x] = sum / n;
      sum +=
        (tmp[Math.min(height - 1, y + radius + 1) * width + x] ?? 0) -
        (tmp[Math.max(0, y - radius) * width + x] ?? 0);
    }
  }
  return out;
}

/**
 * The classical baseline: per pixel, the colour distance between the registered, radiometrically
 * normalised pair plus the difference of their gradient magnitudes, averaged over a small window
 * so that a pixel or two of residual misalignment does not light up every edge.
 */
export class PixelChangeDetector implements ChangeDetector {
  readonly name = 'pixel-baseline';

  constructor(readonly blurRadius = 3) {}

  async changeMap(before: RgbImage, after: RgbImage): Promise<FloatMap> {
    const { width, height } = before;
    const size = width * height;
    const gBefore = gradient(toGrey(before), width, height);
    const gAfter = gradient(toGrey(after), width, height);
    const score = new Float32Array(size);
    const a = before.data;
    const b = after.data;
    for (let i = 0, p = 0; i < size; i++, p += 3) {
      const dr = (a[p] ?? 0) - (b[p] ?? 0);
      const dg = (a[p + 1] ?? 0) - (b[p + 1] ?? 0);
      const db = (a[p + 2] ?? 0) - (b[p + 2] ?? 0);
      const colour = Math.sqrt(dr * dr + dg * dg + db * db) / 441.7;
      score[i] = 0.5 * colour + 0.5 * Math.abs((gBefore[i] ?? 0) - (gAfter[i] ?? 0));
    }
    return { data: boxBlur(score, width, height, this.blurRadius), width, height };
  }
}
