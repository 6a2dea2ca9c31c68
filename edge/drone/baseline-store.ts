import { mkdir, readdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { footprint, type GeoTransform, serialiseWorldFile } from '../../foundation/geometry/geo-transform.ts';
import {
  type Georeference,
  georeferencedFootprint,
  worldFileGeoreference,
} from '../../foundation/geometry/georeference.ts';
import { EdgeError } from '../errors.ts';
import { isImageFile, isTiff } from './flight-image.ts';
import { openGeoTiff } from './geotiff-raster.ts';
import { decodeRgb, encodeJpeg, type RgbImage } from './raster.ts';
import { memoryRaster, type RasterSource } from './raster-source.ts';
import { readWorldFileFor } from './world-file.ts';

/** One baseline image of an area: the last accepted flight's view or a reference mosaic tile. */
export interface Baseline {
  name: string;
  path: string;
  /** Decoded in memory (JPEG, PNG), or read a window at a time from the file (GeoTIFF: an orthomosaic of any size). */
  raster: RasterSource;
  /** Whether the pixels are in memory (and so can be replaced by an accepted flight). */
  inMemory: boolean;
  geo?: Georeference;
  /** The world file, where that is what places it (kept when the baseline is replaced). */
  world?: GeoTransform;
  /** [minLon, minLat, maxLon, maxLat] where georeferenced. */
  bbox?: [number, number, number, number];
}

export async function loadBaselines(dir: string, areaId: string): Promise<Baseline[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter(isImageFile).sort();
  } catch (error) {
    throw new EdgeError('FLIGHT_BASELINE_MISSING', `area "${areaId}": ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (names.length === 0)
    throw new EdgeError('FLIGHT_BASELINE_MISSING', `area "${areaId}": no images in ${dir}`);
  const baselines: Baseline[] = [];
  for (const name of names) {
    baselines.push(await loadBaseline(path.join(dir, name)));
  }
  return baselines;
}

async function loadBaseline(file: string): Promise<Baseline> {
  const name = path.basename(file);
  const world = await readWorldFileFor(file);
  if (isTiff(file)) {
    const tiff = await openGeoTiff(file);
    const geo = tiff.geo ?? (world ? worldFileGeoreference(world) : undefined);
    const { width, height } = tiff.raster;
    return {
      name,
      path: file,
      raster: tiff.raster,
      inMemory: false,
      ...(geo ? { geo, bbox: georeferencedFootprint(geo, width, height) } : {}),
      ...(world && !tiff.geo ? { world } : {}),
    };
  }
  const pixels = await decodeRgb(file);
  const geo = world ? worldFileGeoreference(world) : undefined;
  return {
    name,
    path: file,
    raster: memoryRaster(pixels),
    inMemory: true,
    ...(world && geo ? { world, geo, bbox: footprint(world, pixels.width, pixels.height) } : {}),
  };
}

export async function closeBaselines(baselines: readonly Baseline[]): Promise<void> {
  for (const b of baselines) await b.raster.close();
}

/**
 * Makes an accepted flight image the area's new baseline: the image registered into the old
 * baseline's grid where it covers it, the old baseline elsewhere, so the world file still holds.
 * The old file is kept under history/.
 */
export async function acceptIntoBaseline(
  baseline: Baseline,
  pixels: RgbImage,
  registered: RgbImage,
  covered: Uint8Array,
  stamp: string,
): Promise<Baseline> {
  const merged = new Uint8Array(pixels.data);
  for (let i = 0, p = 0; i < covered.length; i++, p += 3) {
    if (!covered[i]) continue;
    merged[p] = registered.data[p] ?? 0;
    merged[p + 1] = registered.data[p + 1] ?? 0;
    merged[p + 2] = registered.data[p + 2] ?? 0;
  }
  const updated = { data: merged, width: pixels.width, height: pixels.height };
  const dir = path.dirname(baseline.path);
  const history = path.join(dir, 'history');
  await mkdir(history, { recursive: true });
  await rename(baseline.path, path.join(history, `${stamp}-${baseline.name}`));
  const target = path.join(dir, `${path.parse(baseline.name).name}.jpg`);
  await writeFile(target, await encodeJpeg(updated, 92));
  if (baseline.world) await writeFile(target.replace(/\.jpg$/, '.jgw'), serialiseWorldFile(baseline.world));
  return { ...baseline, path: target, raster: memoryRaster(updated) };
}
