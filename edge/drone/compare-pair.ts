import { type GeoTransform, metresPerPixel, pixelToGeo } from '../../foundation/geometry/geo-transform.ts';
import { applyHomography, invertHomography } from '../../foundation/geometry/homography.ts';
import { type Point, polygonArea, polygonCentroid } from '../../foundation/geometry/image-plane.ts';
import type { ChangeDetector } from './change-detector.ts';
import { extractRegions, type RegionVerdict } from './change-regions.ts';
import type { StructureCandidate } from './drone-types.ts';
import type { DetectionSettings } from './flight-config.ts';
import { erode } from './morphology.ts';
import type { OpenCv } from './opencv.ts';
import type { PermittedRegistry } from './permitted-registry.ts';
import { fillUncovered, matchHistograms } from './radiometric.ts';
import type { RgbImage } from './raster.ts';
import { coverageMask, warpToBaseline } from './registration.ts';

export interface PairInput {
  baseline: RgbImage;
  world?: GeoTransform;
  image: RgbImage;
  /** Image → baseline pixels. */
  homography: readonly number[];
}

export interface PairResult {
  candidates: StructureCandidate[];
  rejected: Record<'area' | 'shape' | 'location', number>;
  /** The image resampled into the baseline's grid, and which baseline pixels it covers. */
  registered: RgbImage;
  covered: Uint8Array;
}

/**
 * Compares a registered pair: resample the image into the baseline's grid, normalise its
 * radiometry to the baseline's over the shared pixels, score change, and turn changed regions
 * into candidate structures (outlines in both images and, where georeferenced, on the ground).
 */
export async function comparePair(
  cv: OpenCv,
  detector: ChangeDetector,
  input: PairInput,
  settings: DetectionSettings,
  threshold: number,
  registry: PermittedRegistry,
): Promise<PairResult> {
  const { baseline, image, homography, world } = input;
  const { width, height } = baseline;
  const registered = warpToBaseline(cv, image, homography, width, height);
  const covered = coverageMask(invertHomography(homography), width, height, image.width, image.height, 1);
  const normalised = fillUncovered(matchHistograms(registered, baseline, covered), baseline, covered);
  const map = await detector.changeMap(baseline, normalised);
  const inner = erode(covered, width, height, settings.edgeMarginPx);
  const verdicts = extractRegions(cv, map, inner, { ...settings, threshold });
  const rejected = { area: 0, shape: 0, location: 0 };
  const metresPerPx = world ? metresPerPixel(world) : undefined;
  const toImage = invertHomography(homography);
  const candidates: StructureCandidate[] = [];
  for (const verdict of verdicts) {
    const candidate = toCandidate(verdict, toImage, world, metresPerPx, threshold, settings, registry);
    if ('rejected' in candidate) rejected[candidate.rejected] += 1;
    else candidates.push(candidate);
  }
  candidates.sort(
    (a, b) =>
      polygonCentroid(a.baselinePolygon)[1] - polygonCentroid(b.baselinePolygon)[1] ||
      polygonCentroid(a.baselinePolygon)[0] - polygonCentroid(b.baselinePolygon)[0],
  );
  return { candidates, rejected, registered, covered };
}

function toCandidate(
  verdict: RegionVerdict,
  toImage: readonly number[],
  world: GeoTransform | undefined,
  metresPerPx: number | undefined,
  threshold: number,
  settings: DetectionSettings,
  registry: PermittedRegistry,
): StructureCandidate | { rejected: 'area' | 'shape' | 'location' } {
  if (verdict.rejected) return { rejected: verdict.rejected };
  const { region } = verdict;
  const areaSquareMetres = metresPerPx === undefined ? undefined : region.areaPx * metresPerPx * metresPerPx;
  if (areaSquareMetres !== undefined && areaSquareMetres < settings.minAreaSquareMetres)
    return { rejected: 'area' };
  const imagePolygon = region.polygon.map(([x, y]) => applyHomography(toImage, x, y) as Point);
  const candidate: StructureCandidate = {
    imagePolygon,
    baselinePolygon: region.polygon,
    areaPx: polygonArea(imagePolygon),
    meanScore: region.meanScore,
    peakScore: region.peakScore,
    solidity: region.solidity,
    confidence: Math.min(1, 0.5 + (region.meanScore - threshold) / (2 * threshold)),
  };
  if (world && areaSquareMetres !== undefined) {
    candidate.geoPolygon = region.polygon.map(([x, y]) => pixelToGeo(world, x, y));
    candidate.areaSquareMetres = areaSquareMetres;
    const [lon, lat] = polygonCentroid(candidate.geoPolygon);
    const permit = registry.permitAt(lon, lat);
    if (permit) candidate.permit = permit;
  }
  return candidate;
}
