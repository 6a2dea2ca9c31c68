import type { Georeference } from '../../foundation/geometry/georeference.ts';
import { applyHomography, invertHomography } from '../../foundation/geometry/homography.ts';
import { type Point, polygonArea, polygonCentroid } from '../../foundation/geometry/image-plane.ts';
import type { ChangeDetector, ChannelStatistics } from './change-detector.ts';
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
  image: RgbImage;
  /** Image → baseline pixels. */
  homography: readonly number[];
}

export interface ScoredPair {
  verdicts: RegionVerdict[];
  /** The image resampled into the baseline's grid, and which baseline pixels it covers. */
  registered: RgbImage;
  covered: Uint8Array;
}

/**
 * Compares a registered pair: resample the image into the baseline's grid, normalise its
 * radiometry to the baseline's over the shared pixels, score change, and cut the changed pixels
 * into regions, each judged by area and shape.
 */
export async function scorePair(
  cv: OpenCv,
  detector: ChangeDetector,
  input: PairInput,
  settings: DetectionSettings,
  threshold: number,
  statistics?: ChannelStatistics,
): Promise<ScoredPair> {
  const { baseline } = input;
  const { width, height } = baseline;
  const { registered, covered, normalised } = alignPair(cv, input);
  const map = await detector.changeMap(baseline, normalised, statistics);
  const inner = erode(covered, width, height, settings.edgeMarginPx);
  const verdicts = extractRegions(cv, map, inner, { ...settings, threshold });
  return { verdicts, registered, covered };
}

/**
 * The image resampled into the baseline's grid, which baseline pixels it covers, and its
 * radiometry normalised to the baseline's over them (the baseline's own pixels where uncovered).
 */
export function alignPair(
  cv: OpenCv,
  input: PairInput,
): { registered: RgbImage; covered: Uint8Array; normalised: RgbImage } {
  const { baseline, image, homography } = input;
  const { width, height } = baseline;
  const registered = warpToBaseline(cv, image, homography, width, height);
  const covered = coverageMask(invertHomography(homography), width, height, image.width, image.height, 1);
  const normalised = fillUncovered(matchHistograms(registered, baseline, covered), baseline, covered);
  return { registered, covered, normalised };
}

/** Where the compared grid's pixels lie: in the whole baseline, in the whole flight image, on the ground. */
export interface GridPlacement {
  toBaseline(x: number, y: number): Point;
  toImage(x: number, y: number): Point;
  /** The baseline's georeference (of its full-resolution pixels). */
  geo?: Georeference;
  /** Ground size of a compared-grid pixel, where georeferenced. */
  metresPerGridPx?: number;
}

/** A region verdict as a candidate structure, or the filter that drops it. */
export function toCandidate(
  verdict: RegionVerdict,
  placement: GridPlacement,
  threshold: number,
  settings: DetectionSettings,
  registry: PermittedRegistry,
): StructureCandidate | { rejected: 'area' | 'shape' | 'location' } {
  if (verdict.rejected) return { rejected: verdict.rejected };
  const { region } = verdict;
  const mpp = placement.metresPerGridPx;
  const areaSquareMetres = mpp === undefined ? undefined : region.areaPx * mpp * mpp;
  if (areaSquareMetres !== undefined && areaSquareMetres < settings.minAreaSquareMetres)
    return { rejected: 'area' };
  const imagePolygon = region.polygon.map(([x, y]) => placement.toImage(x, y));
  const baselinePolygon = region.polygon.map(([x, y]) => placement.toBaseline(x, y));
  const candidate: StructureCandidate = {
    imagePolygon,
    baselinePolygon,
    areaPx: polygonArea(imagePolygon),
    meanScore: region.meanScore,
    peakScore: region.peakScore,
    solidity: region.solidity,
    confidence: Math.min(1, 0.5 + (region.meanScore - threshold) / (2 * threshold)),
  };
  const { geo } = placement;
  if (geo && areaSquareMetres !== undefined) {
    candidate.geoPolygon = baselinePolygon.map(([x, y]) => geo.toLonLat(x, y));
    candidate.areaSquareMetres = areaSquareMetres;
    const [lon, lat] = polygonCentroid(candidate.geoPolygon);
    const permit = registry.permitAt(lon, lat);
    if (permit) candidate.permit = permit;
  }
  return candidate;
}

/** Top to bottom, then left to right, in the baseline: a stable order for event indices. */
export function sortCandidates(candidates: StructureCandidate[]): void {
  candidates.sort(
    (a, b) =>
      polygonCentroid(a.baselinePolygon)[1] - polygonCentroid(b.baselinePolygon)[1] ||
      polygonCentroid(a.baselinePolygon)[0] - polygonCentroid(b.baselinePolygon)[0],
  );
}

export interface PairResult extends ScoredPair {
  candidates: StructureCandidate[];
  rejected: Record<'area' | 'shape' | 'location', number>;
}

/** The whole-image comparison: the compared grid is the whole baseline at full resolution. */
export async function comparePair(
  cv: OpenCv,
  detector: ChangeDetector,
  input: PairInput & { geo?: Georeference },
  settings: DetectionSettings,
  threshold: number,
  registry: PermittedRegistry,
): Promise<PairResult> {
  const scored = await scorePair(cv, detector, input, settings, threshold);
  const toImage = invertHomography(input.homography);
  const { geo } = input;
  const placement: GridPlacement = {
    toBaseline: (x, y) => [x, y],
    toImage: (x, y) => applyHomography(toImage, x, y),
    ...(geo ? { geo, metresPerGridPx: geo.metresPerPixel(input.baseline.width, input.baseline.height) } : {}),
  };
  const rejected = { area: 0, shape: 0, location: 0 };
  const candidates: StructureCandidate[] = [];
  for (const verdict of scored.verdicts) {
    const candidate = toCandidate(verdict, placement, threshold, settings, registry);
    if ('rejected' in candidate) rejected[candidate.rejected] += 1;
    else candidates.push(candidate);
  }
  sortCandidates(candidates);
  return { ...scored, candidates, rejected };
}
