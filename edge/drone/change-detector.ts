import type { FloatMap, RgbImage } from './raster.ts';
import type { PixelWindow } from './raster-source.ts';

/**
 * Per feature level and channel, the sums a detector normalises its change scores by, gathered
 * over a whole comparison: a comparison made in tiles then scores every tile on the whole pair's
 * statistics, as the comparison made in one piece would, not on each tile's own.
 */
export interface ChannelStatistics {
  levels: { sum: Float64Array; squares: Float64Array; count: number }[];
}

/**
 * A change detector compares a registered, radiometrically normalised pair of the same size and
 * answers a change score per pixel (0: same). Candidate regions come from thresholding it.
 */
export interface ChangeDetector {
  readonly name: string;
  changeMap(before: RgbImage, after: RgbImage, statistics?: ChannelStatistics): Promise<FloatMap>;
  /** Adds the pair's statistics within `region` (pixels) to `into`; absent where scores need no normalisation. */
  accumulate?(before: RgbImage, after: RgbImage, region: PixelWindow, into: ChannelStatistics): Promise<void>;
}
