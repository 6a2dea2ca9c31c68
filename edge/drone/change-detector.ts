import type { FloatMap, RgbImage } from './raster.ts';

/**
 * A change detector compares a registered, radiometrically normalised pair of the same size and
 * answers a change score per pixel (0: same). Candidate regions come from thresholding it.
 */
export interface ChangeDetector {
  readonly name: string;
  changeMap(before: RgbImage, after: RgbImage): Promise<FloatMap>;
}
