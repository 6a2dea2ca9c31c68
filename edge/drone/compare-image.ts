import { EdgeError } from '../errors.ts';
import { type AreaBaselines, matchArea } from './area-matcher.ts';
import { acceptIntoBaseline, type Baseline } from './baseline-store.ts';
import type { ChangeDetector } from './change-detector.ts';
import { alignCoarsely, type CoarseAlignment } from './coarse-alignment.ts';
import { comparePair } from './compare-pair.ts';
import type { ComparedImage, EvidenceFile, StructureCandidate } from './drone-types.ts';
import { writeStructureEvidence } from './evidence-crops.ts';
import type { FlightConfig } from './flight-config.ts';
import type { FlightImage } from './flight-image.ts';
import type { OpenCv } from './opencv.ts';
import type { PermittedRegistry } from './permitted-registry.ts';
import type { RgbImage } from './raster.ts';
import { readWhole } from './raster-source.ts';
import { type Registration, registerImage } from './registration.ts';
import { analysisScaleFor, compareInTiles } from './tiled-compare.ts';

export interface AreaWithPermits extends AreaBaselines {
  registry: PermittedRegistry;
}

export interface ComparisonContext {
  cv: OpenCv;
  detector: ChangeDetector;
  config: FlightConfig;
  threshold: number;
}

export interface CompareOptions {
  hint?: string;
  /** Where the evidence crops of the area's `index`-th structure go; undefined: none are written. */
  evidencePrefix: (area: string, index: number) => string | undefined;
  keepEvidence?: (file: EvidenceFile) => Promise<void>;
  accept: boolean;
}

export type StructureEvidence = { before: EvidenceFile; after: EvidenceFile; pair: EvidenceFile };

export interface ImageComparison {
  area: string;
  outcome: ComparedImage;
  evidence: Map<StructureCandidate, StructureEvidence>;
}

type Registered =
  | { path: 'whole'; baseline: Baseline; pixels: RgbImage; imagePixels: RgbImage; registration: Registration }
  | { path: 'tiled'; baseline: Baseline; coarse: CoarseAlignment };

/**
 * Whether a pair is too large to compare whole, is to be compared at a coarser resolution than
 * the baseline's own, or has an image so much finer than its baseline (by their georeferences)
 * that it must be read reduced: the tiled path reads each window at the compared resolution.
 */
function needsTiles(baseline: Baseline, image: FlightImage, config: FlightConfig): boolean {
  const megapixels = (r: { width: number; height: number }) => (r.width * r.height) / 1e6;
  const finer =
    baseline.geo && image.geo
      ? baseline.geo.metresPerPixel(baseline.raster.width, baseline.raster.height) /
        image.geo.metresPerPixel(image.raster.width, image.raster.height)
      : 1;
  return (
    analysisScaleFor(baseline, config.tiling) < 1 ||
    finer > 1.5 ||
    Math.max(megapixels(baseline.raster), megapixels(image.raster)) > config.tiling.wholeImageMaxMegapixels
  );
}

async function registerTo(
  ctx: ComparisonContext,
  baseline: Baseline,
  image: FlightImage,
  imagePixels: () => Promise<RgbImage>,
): Promise<Registered> {
  const { config, cv } = ctx;
  if (needsTiles(baseline, image, config)) {
    const coarse = await alignCoarsely(
      cv,
      baseline,
      image,
      config.registration,
      config.tiling.overviewMegapixels,
      image.name,
    );
    return { path: 'tiled', baseline, coarse };
  }
  const pixels = await readWhole(baseline.raster);
  const own = await imagePixels();
  const registration = registerImage(cv, pixels, own, config.registration, image.name);
  return { path: 'whole', baseline, pixels, imagePixels: own, registration };
}

/**
 * Places a flight image in its area, registers it to the first of the area's baselines that
 * takes it, and compares the pair: whole when both are small, else in tiles at analysis
 * resolution. Writes the evidence crops of unpermitted structures; with `accept`, makes an
 * in-memory baseline compared whole the registered image.
 */
export async function compareImage(
  ctx: ComparisonContext,
  image: FlightImage,
  areas: readonly AreaWithPermits[],
  options: CompareOptions,
): Promise<ImageComparison> {
  const { area, baselines } = matchArea(image, areas, options.hint);
  const started = performance.now();
  let cached: RgbImage | undefined;
  const imagePixels = async () => {
    cached ??= await readWhole(image.raster);
    return cached;
  };
  let registered: Registered | undefined;
  let firstFailure: unknown;
  for (const baseline of baselines) {
    try {
      registered = await registerTo(ctx, baseline, image, imagePixels);
      break;
    } catch (error) {
      if (!(error instanceof EdgeError)) throw error;
      firstFailure ??= error;
    }
  }
  if (!registered) throw firstFailure;
  const registerMs = performance.now() - started;
  const evidence = new Map<StructureCandidate, StructureEvidence>();
  let written = 0;
  const keep = async (
    candidate: StructureCandidate,
    before: RgbImage,
    after: RgbImage,
    polygon: StructureCandidate['baselinePolygon'],
  ) => {
    if (candidate.permit) return;
    const prefix = options.evidencePrefix(area.id, written++);
    if (!prefix) return;
    const files = await writeStructureEvidence(before, after, polygon, prefix);
    for (const file of [files.before, files.after, files.pair]) await options.keepEvidence?.(file);
    evidence.set(candidate, files);
  };
  const { cv, detector, config, threshold } = ctx;
  const base = {
    status: 'compared' as const,
    image: image.name,
    area: area.id,
    baseline: registered.baseline.name,
    method: detector.name,
  };
  let outcome: ComparedImage;
  if (registered.path === 'whole') {
    const { baseline, pixels, registration } = registered;
    const pair = await comparePair(
      cv,
      detector,
      {
        baseline: pixels,
        image: registered.imagePixels,
        homography: registration.homography,
        ...(baseline.geo ? { geo: baseline.geo } : {}),
      },
      config.detection,
      threshold,
      area.registry,
    );
    const detectedAt = performance.now();
    for (const candidate of pair.candidates)
      await keep(candidate, pixels, pair.registered, candidate.baselinePolygon);
    outcome = {
      ...base,
      registration: registration.quality,
      candidates: pair.candidates,
      rejected: pair.rejected,
      comparedMegapixels: (pixels.width * pixels.height) / 1e6,
      path: 'whole',
      timings: { registerMs, detectMs: detectedAt - started - registerMs },
    };
    if (options.accept) {
      const stamp = new Date(image.takenAtMs).toISOString().replace(/[:.]/g, '-');
      if (baseline.inMemory) {
        const updated = await acceptIntoBaseline(baseline, pixels, pair.registered, pair.covered, stamp);
        area.baselines[area.baselines.indexOf(baseline)] = updated;
      } else
        outcome.notAccepted = `${baseline.name} is a GeoTIFF: replace it with the new orthophoto by hand`;
    }
  } else {
    const { baseline, coarse } = registered;
    const tiled = await compareInTiles(
      cv,
      detector,
      { baseline, image, coarse, analysisScale: analysisScaleFor(baseline, config.tiling) },
      { detection: config.detection, registration: config.registration, tiling: config.tiling, threshold },
      area.registry,
      (candidate, view) => keep(candidate, view.before, view.after, view.polygon),
      image.name,
    );
    outcome = {
      ...base,
      registration: coarse.quality,
      candidates: tiled.candidates,
      rejected: tiled.rejected,
      comparedMegapixels: tiled.comparedMegapixels,
      path: 'tiled',
      tiling: { coarse: coarse.method, analysisScale: tiled.analysisScale, tiles: tiled.tiles },
      timings: { registerMs, detectMs: performance.now() - started - registerMs },
    };
    if (options.accept)
      outcome.notAccepted =
        'a baseline compared in tiles is not replaced: put the new orthophoto in its folder';
  }
  return { area: area.id, outcome, evidence };
}
