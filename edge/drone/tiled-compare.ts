import { applyHomography, invertHomography } from '../../foundation/geometry/homography.ts';
import { composeHomographies, scaleAndShift } from '../../foundation/geometry/homography-compose.ts';
import { type Point, polygonCentroid } from '../../foundation/geometry/image-plane.ts';
import { EdgeError } from '../errors.ts';
import type { ChangeDetector, ChannelStatistics } from './change-detector.ts';
import type { CoarseAlignment, PlacedRaster } from './coarse-alignment.ts';
import { alignPair, type GridPlacement, scorePair, sortCandidates, toCandidate } from './compare-pair.ts';
import type { StructureCandidate } from './drone-types.ts';
import type { DetectionSettings, TilingSettings } from './flight-config.ts';
import type { OpenCv } from './opencv.ts';
import type { PermittedRegistry } from './permitted-registry.ts';
import type { RgbImage } from './raster.ts';
import { clampWindow, type PixelWindow, readResampled } from './raster-source.ts';
import { type RegistrationSettings, registerImage } from './registration.ts';

export interface TileCounts {
  total: number;
  /** Registered on their own (ORB + RANSAC within the tile). */
  refined: number;
  /** Compared on the coarse alignment (too few features, or a refinement that strayed from it). */
  coarse: number;
  /** Not covered by the image. */
  uncovered: number;
}

/** Before/after pixels of the tile a candidate was found in, and its outline there: for evidence crops. */
export interface TileView {
  before: RgbImage;
  after: RgbImage;
  polygon: Point[];
}

export interface TiledResult {
  candidates: StructureCandidate[];
  rejected: Record<'area' | 'shape' | 'location', number>;
  tiles: TileCounts;
  /** Analysis pixels per baseline pixel. */
  analysisScale: number;
  comparedMegapixels: number;
}

export interface TiledInput {
  baseline: PlacedRaster;
  image: PlacedRaster;
  coarse: CoarseAlignment;
  analysisScale: number;
}

export interface TiledSettings {
  detection: DetectionSettings;
  registration: RegistrationSettings;
  tiling: TilingSettings;
  threshold: number;
}

/** Most bytes of tile pixels kept from the statistics pass for the comparison pass (else read again). */
const KEPT_TILES_BYTES = 128 * 1024 * 1024;

/** Analysis pixels per baseline pixel: the configured ground sampling distance, never finer than the baseline's. */
export function analysisScaleFor(baseline: PlacedRaster, tiling: TilingSettings): number {
  if (!baseline.geo || tiling.analysisMetresPerPixel === undefined) return 1;
  const own = baseline.geo.metresPerPixel(baseline.raster.width, baseline.raster.height);
  return Math.min(1, own / tiling.analysisMetresPerPixel);
}

/** The tiles' cores (analysis pixels of the baseline's overlap), row by row. */
function tileCores(width: number, height: number, size: number): PixelWindow[] {
  const cores: PixelWindow[] = [];
  for (let y = 0; y < height; y += size)
    for (let x = 0; x < width; x += size)
      cores.push([x, y, Math.min(x + size, width), Math.min(y + size, height)]);
  return cores;
}

/** Linear scale of a homography at a point (square root of its Jacobian's determinant). */
function localScale(h: readonly number[], x: number, y: number): number {
  const [x0, y0] = applyHomography(h, x, y);
  const [x1, y1] = applyHomography(h, x + 1, y);
  const [x2, y2] = applyHomography(h, x, y + 1);
  return Math.sqrt(Math.abs((x1 - x0) * (y2 - y0) - (x2 - x0) * (y1 - y0)));
}

function maxCornerShift(a: readonly number[], b: readonly number[], width: number, height: number): number {
  let worst = 0;
  for (const [x, y] of [
    [0, 0],
    [width, 0],
    [width, height],
    [0, height],
  ] as const) {
    const [ax, ay] = applyHomography(a, x, y);
    const [bx, by] = applyHomography(b, x, y);
    worst = Math.max(worst, Math.hypot(ax - bx, ay - by));
  }
  return worst;
}

interface PreparedTile {
  /** The tile with its overlap and its core, in analysis pixels of the baseline's overlap. */
  ext: PixelWindow;
  core: PixelWindow;
  before: RgbImage;
  after: RgbImage;
  /** After-tile → before-tile pixels. */
  homography: number[];
  refined: boolean;
  baseTileToFull: number[];
  imageTileToFull: number[];
}

interface TileGeometry {
  gridWidth: number;
  gridHeight: number;
  toImageFull: number[];
}

/** Reads a tile pair (only its windows) and registers it, starting from the coarse alignment. */
async function prepareTile(
  cv: OpenCv,
  input: TiledInput,
  geometry: TileGeometry,
  core: PixelWindow,
  settings: TiledSettings,
  label: string,
): Promise<PreparedTile | undefined> {
  const { baseline, image, coarse, analysisScale: s } = input;
  const { overlap, maxTileShiftPx } = settings.tiling;
  const [rx0, ry0] = coarse.roi;
  const ext = clampWindow({ width: geometry.gridWidth, height: geometry.gridHeight }, [
    core[0] - overlap,
    core[1] - overlap,
    core[2] + overlap,
    core[3] + overlap,
  ]);
  const baseWindow = clampWindow(baseline.raster, [
    rx0 + ext[0] / s,
    ry0 + ext[1] / s,
    rx0 + ext[2] / s,
    ry0 + ext[3] / s,
  ]);
  const baseTileToFull = scaleAndShift(
    (baseWindow[2] - baseWindow[0]) / (ext[2] - ext[0]),
    (baseWindow[3] - baseWindow[1]) / (ext[3] - ext[1]),
    baseWindow[0],
    baseWindow[1],
  );
  // Where the tile lies in the image, by the coarse alignment, with room for the refinement to move.
  const corners = [
    [baseWindow[0], baseWindow[1]],
    [baseWindow[2], baseWindow[1]],
    [baseWindow[2], baseWindow[3]],
    [baseWindow[0], baseWindow[3]],
  ].map(([x = 0, y = 0]) => applyHomography(geometry.toImageFull, x, y));
  const xs = corners.map((c) => c[0]);
  const ys = corners.map((c) => c[1]);
  const imagePerBase = localScale(
    geometry.toImageFull,
    (baseWindow[0] + baseWindow[2]) / 2,
    (baseWindow[1] + baseWindow[3]) / 2,
  );
  const pad = ((maxTileShiftPx * 2) / s) * imagePerBase;
  const imageWindow = clampWindow(image.raster, [
    Math.min(...xs) - pad,
    Math.min(...ys) - pad,
    Math.max(...xs) + pad,
    Math.max(...ys) + pad,
  ]);
  const imageWidth = imageWindow[2] - imageWindow[0];
  const imageHeight = imageWindow[3] - imageWindow[1];
  if (imageWidth < 32 || imageHeight < 32) return undefined;
  // Within 10 % of the image's own resolution, the tile's registration absorbs the difference:
  // reading it unresampled keeps its detail.
  const imageScale = s / imagePerBase > 0.9 ? 1 : s / imagePerBase;
  const before = await readResampled(baseline.raster, baseWindow, ext[2] - ext[0], ext[3] - ext[1]);
  const after = await readResampled(
    image.raster,
    imageWindow,
    Math.max(1, Math.round(imageWidth * imageScale)),
    Math.max(1, Math.round(imageHeight * imageScale)),
  );
  const imageTileToFull = scaleAndShift(
    imageWidth / after.width,
    imageHeight / after.height,
    imageWindow[0],
    imageWindow[1],
  );
  const coarseInTile = composeHomographies(
    invertHomography(baseTileToFull),
    coarse.homography,
    imageTileToFull,
  );
  let homography = coarseInTile;
  try {
    const refined = registerImage(cv, before, after, { ...settings.registration, minOverlap: 0.1 }, label);
    const shift = maxCornerShift(
      invertHomography(refined.homography),
      invertHomography(coarseInTile),
      before.width,
      before.height,
    );
    if (shift <= maxTileShiftPx) homography = refined.homography;
  } catch (error) {
    if (!(error instanceof EdgeError)) throw error;
  }
  return {
    ext,
    core,
    before,
    after,
    homography,
    refined: homography !== coarseInTile,
    baseTileToFull,
    imageTileToFull,
  };
}

/** The core in the tile's own pixels. */
function coreInTile(tile: PreparedTile): PixelWindow {
  const [ex, ey] = tile.ext;
  return [tile.core[0] - ex, tile.core[1] - ey, tile.core[2] - ex, tile.core[3] - ey];
}

/**
 * Compares a large image with its baseline tile by tile: over the baseline's overlap with the
 * image, at analysis resolution, each tile's core plus `overlap` pixels around it is read from
 * both rasters (only that window), registered on its own starting from the coarse alignment (or
 * left on it where the tile has too few features), and compared. A detector that normalises its
 * scores by the pair's statistics first gathers them over every tile's core (a first pass), so
 * each tile is scored as the whole pair would be. A region counts in the tile whose core holds its
 * centroid, so a structure across a tile border, seen whole by both tiles' overlaps, is reported
 * once. Peak memory: one tile pair and the band reads behind it, plus at most KEPT_TILES_BYTES of
 * tiles kept between the passes.
 */
export async function compareInTiles(
  cv: OpenCv,
  detector: ChangeDetector,
  input: TiledInput,
  settings: TiledSettings,
  registry: PermittedRegistry,
  onCandidate: (candidate: StructureCandidate, view: TileView) => Promise<void>,
  label: string,
): Promise<TiledResult> {
  const { baseline, coarse, analysisScale: s } = input;
  const [rx0, ry0, rx1, ry1] = coarse.roi;
  const geometry: TileGeometry = {
    gridWidth: Math.max(1, Math.round((rx1 - rx0) * s)),
    gridHeight: Math.max(1, Math.round((ry1 - ry0) * s)),
    toImageFull: invertHomography(coarse.homography),
  };
  const mppGrid = baseline.geo
    ? baseline.geo.metresPerPixel(baseline.raster.width, baseline.raster.height) / s
    : undefined;
  const cores = tileCores(geometry.gridWidth, geometry.gridHeight, settings.tiling.tileSize);
  const result: TiledResult = {
    candidates: [],
    rejected: { area: 0, shape: 0, location: 0 },
    tiles: { total: cores.length, refined: 0, coarse: 0, uncovered: 0 },
    analysisScale: s,
    comparedMegapixels: (geometry.gridWidth * geometry.gridHeight) / 1e6,
  };
  let statistics: ChannelStatistics | undefined;
  // Tiles the first pass read and registered, kept for the second up to a memory budget.
  const kept = new Map<PixelWindow, PreparedTile>();
  let keptBytes = 0;
  if (detector.accumulate) {
    statistics = { levels: [] };
    for (const core of cores) {
      const tile = await prepareTile(cv, input, geometry, core, settings, label);
      if (!tile) continue;
      const { normalised } = alignPair(cv, {
        baseline: tile.before,
        image: tile.after,
        homography: tile.homography,
      });
      await detector.accumulate(tile.before, normalised, coreInTile(tile), statistics);
      const bytes = tile.before.data.length + tile.after.data.length;
      if (keptBytes + bytes <= KEPT_TILES_BYTES) {
        kept.set(core, tile);
        keptBytes += bytes;
      }
    }
  }
  for (const core of cores) {
    const tile = kept.get(core) ?? (await prepareTile(cv, input, geometry, core, settings, label));
    kept.delete(core);
    if (!tile) {
      result.tiles.uncovered += 1;
      continue;
    }
    result.tiles[tile.refined ? 'refined' : 'coarse'] += 1;
    const { before, after, homography, ext } = tile;
    const scored = await scorePair(
      cv,
      detector,
      { baseline: before, image: after, homography },
      settings.detection,
      settings.threshold,
      statistics,
    );
    const tileToImage = composeHomographies(tile.imageTileToFull, invertHomography(homography));
    const placement: GridPlacement = {
      toBaseline: (x, y) => applyHomography(tile.baseTileToFull, x, y),
      toImage: (x, y) => applyHomography(tileToImage, x, y),
      ...(baseline.geo && mppGrid !== undefined ? { geo: baseline.geo, metresPerGridPx: mppGrid } : {}),
    };
    for (const verdict of scored.verdicts) {
      const [cx, cy] = polygonCentroid(verdict.region.polygon);
      const gx = ext[0] + cx;
      const gy = ext[1] + cy;
      if (gx < core[0] || gx >= core[2] || gy < core[1] || gy >= core[3]) continue;
      const candidate = toCandidate(verdict, placement, settings.threshold, settings.detection, registry);
      if ('rejected' in candidate) {
        result.rejected[candidate.rejected] += 1;
        continue;
      }
      result.candidates.push(candidate);
      await onCandidate(candidate, { before, after: scored.registered, polygon: verdict.region.polygon });
    }
  }
  sortCandidates(result.candidates);
  return result;
}
