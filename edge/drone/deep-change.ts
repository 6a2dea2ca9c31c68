import type { ChangeDetector, ChannelStatistics } from './change-detector.ts';
import type { FeatureExtractor, FeatureMap } from './feature-extractor.ts';
import type { FloatMap, RgbImage } from './raster.ts';
import type { PixelWindow } from './raster-source.ts';

/**
 * Per cell, the length of the change vector between the two images' features, each channel first
 * scaled by its spread over both images (so that no channel dominates by its range), as a root
 * mean square over channels. Flat, featureless ground (water, haze, clipped highlights) has weak
 * features in both images and so a short change vector.
 */
export function changeVectorMagnitude(
  a: FeatureMap,
  b: FeatureMap,
  statistics?: ChannelStatistics['levels'][number],
): Float32Array {
  const cells = a.width * a.height;
  const out = new Float32Array(cells);
  for (let c = 0; c < a.channels; c++) {
    const base = c * cells;
    let sum = 0;
    let squares = 0;
    let count = 2 * cells;
    if (statistics && statistics.count > 0) {
      sum = statistics.sum[c] ?? 0;
      squares = statistics.squares[c] ?? 0;
      count = statistics.count;
    } else {
      for (let i = base; i < base + cells; i++) {
        const x = a.data[i] ?? 0;
        const y = b.data[i] ?? 0;
        sum += x + y;
        squares += x * x + y * y;
      }
    }
    const mean = sum / count;
    const variance = squares / count - mean * mean;
    const inverse = variance > 1e-12 ? 1 / variance : 0;
    for (let i = 0; i < cells; i++) {
      const d = (a.data[base + i] ?? 0) - (b.data[base + i] ?? 0);
      out[i] = (out[i] ?? 0) + d * d * inverse;
    }
  }
  for (let i = 0; i < cells; i++) out[i] = Math.sqrt((out[i] ?? 0) / a.channels);
  return out;
}

/** Bilinear resampling of a cell grid (each cell `stride` pixels) onto the image's pixels. */
export function upsampleCells(
  cells: Float32Array,
  cw: number,
  ch: number,
  stride: number,
  width: number,
  height: number,
  out: Float32Array,
  weight: number,
): void {
  for (let y = 0; y < height; y++) {
    const gy = Math.min(ch - 1, Math.max(0, (y + 0.5) / stride - 0.5));
    const y0 = Math.floor(gy);
    const y1 = Math.min(ch - 1, y0 + 1);
    const fy = gy - y0;
    for (let x = 0; x < width; x++) {
      const gx = Math.min(cw - 1, Math.max(0, (x + 0.5) / stride - 0.5));
      const x0 = Math.floor(gx);
      const x1 = Math.min(cw - 1, x0 + 1);
      const fx = gx - x0;
      const top = (cells[y0 * cw + x0] ?? 0) * (1 - fx) + (cells[y0 * cw + x1] ?? 0) * fx;
      const bottom = (cells[y1 * cw + x0] ?? 0) * (1 - fx) + (cells[y1 * cw + x1] ?? 0) * fx;
      out[y * width + x] = (out[y * width + x] ?? 0) + weight * (top * (1 - fy) + bottom * fy);
    }
  }
}

/**
 * Deep change-vector analysis: both images go through the pretrained backbone; each feature
 * level's change-vector magnitude is resampled to pixels and the levels are averaged.
 */
export class DeepChangeDetector implements ChangeDetector {
  readonly name: string;

  constructor(private readonly extractor: FeatureExtractor) {
    this.name = `deep-cva:${extractor.loaded.manifest.name}`;
  }

  async changeMap(before: RgbImage, after: RgbImage, statistics?: ChannelStatistics): Promise<FloatMap> {
    const featuresBefore = await this.extractor.extract(before);
    const featuresAfter = await this.extractor.extract(after);
    const { width, height } = before;
    const out = new Float32Array(width * height);
    const weight = 1 / featuresBefore.length;
    featuresBefore.forEach((a, level) => {
      const b = featuresAfter[level];
      if (!b) return;
      const magnitude = changeVectorMagnitude(a, b, statistics?.levels[level]);
      upsampleCells(magnitude, a.width, a.height, a.stride, width, height, out, weight);
    });
    return { data: out, width, height };
  }

  /** Sums of each channel over the cells whose centres lie in `region`, both images. */
  async accumulate(
    before: RgbImage,
    after: RgbImage,
    region: PixelWindow,
    into: ChannelStatistics,
  ): Promise<void> {
    const featuresBefore = await this.extractor.extract(before);
    const featuresAfter = await this.extractor.extract(after);
    featuresBefore.forEach((a, level) => {
      const b = featuresAfter[level];
      if (!b) return;
      into.levels[level] ??= {
        sum: new Float64Array(a.channels),
        squares: new Float64Array(a.channels),
        count: 0,
      };
      const stats = into.levels[level];
      const cells = a.width * a.height;
      const inside: number[] = [];
      for (let y = 0; y < a.height; y++) {
        const cy = (y + 0.5) * a.stride;
        if (cy < region[1] || cy >= region[3]) continue;
        for (let x = 0; x < a.width; x++) {
          const cx = (x + 0.5) * a.stride;
          if (cx >= region[0] && cx < region[2]) inside.push(y * a.width + x);
        }
      }
      for (let c = 0; c < a.channels; c++) {
        let sum = 0;
        let squares = 0;
        for (const i of inside) {
          const x = a.data[c * cells + i] ?? 0;
          const y = b.data[c * cells + i] ?? 0;
          sum += x + y;
          squares += x * x + y * y;
        }
        stats.sum[c] = (stats.sum[c] ?? 0) + sum;
        stats.squares[c] = (stats.squares[c] ?? 0) + squares;
      }
      stats.count += 2 * inside.length;
    });
  }
}
