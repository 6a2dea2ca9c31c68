import { mkdir, readdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { footprint, type GeoTransform, serialiseWorldFile } from '../../foundation/geometry/geo-transform.ts';
import { EdgeError } from '../errors.ts';
import { isImageFile } from './flight-image.ts';
import { decodeRgb, encodeJpeg, type RgbImage } from './raster.ts';
import { readWorldFileFor } from './world-file.ts';

/** One baseline image of an area: the last accepted flight's view or a reference mosaic tile. */
export interface Baseline {
  name: string;
  path: string;
  pixels: RgbImage;
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
    const file = path.join(dir, name);
    const pixels = await decodeRgb(file);
    const world = await readWorldFileFor(file);
    baselines.push({
      name,
      path: file,
      pixels,
      ...(world ? { world, bbox: footprint(world, pixels.width, pixels.height) } : {}),
    });
  }
  return baselines;
}

/**
 * Makes an accepted flight image the area's new baseline: the image registered into the old
 * baseline's grid where it covers it, the old baseline elsewhere, so the world file still holds.
 * The old file is kept under history/.
 */
export async function acceptIntoBaseline(
  baseline: Baseline,
  registered: RgbImage,
  covered: Uint8Array,
  stamp: string,
): Promise<Baseline> {
  const merged = new Uint8Array(baseline.pixels.data);
  for (let i = 0, p = 0; i < covered.length; i++, p += 3) {
    if (!covered[i]) continue;
    merged[p] = registered.data[p] ?? 0;
    merged[p + 1] = registered.data[p + 1] ?? 0;
    merged[p + 2] = registered.data[p + 2] ?? 0;
  }
  const pixels = { data: merged, width: baseline.pixels.width, height: baseline.pixels.height };
  const dir = path.dirname(baseline.path);
  const history = path.join(dir, 'history');
  await mkdir(history, { recursive: true });
  await rename(baseline.path, path.join(history, `${stamp}-${baseline.name}`));
  const target = path.join(dir, `${path.parse(baseline.name).name}.jpg`);
  await writeFile(target, await encodeJpeg(pixels, 92));
  if (baseline.world) await writeFile(target.replace(/\.jpg$/, '.jgw'), serialiseWorldFile(baseline.world));
  return { ...baseline, path: target, pixels };
}
