import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import exifr from 'exifr';
import { type Georeference, worldFileGeoreference } from '../../foundation/geometry/georeference.ts';
import { EdgeError } from '../errors.ts';
import { openGeoTiff } from './geotiff-raster.ts';
import { decodeRgb } from './raster.ts';
import { memoryRaster, type RasterSource } from './raster-source.ts';
import { readWorldFileFor } from './world-file.ts';

export const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.tif', '.tiff']);
const TIFF_EXTENSIONS = new Set(['.tif', '.tiff']);

/** One image of a flight, with where and when it was taken as far as the file says. */
export interface FlightImage {
  name: string;
  path: string;
  /** The pixels: decoded in memory (JPEG, PNG) or read a window at a time from the file (GeoTIFF). */
  raster: RasterSource;
  /** sha256 of the file's bytes: the image's identity in event ids. */
  sha256: string;
  /** Camera position from EXIF GPS, [lon, lat]. */
  gps?: [number, number];
  /** Orthophoto georeference: a GeoTIFF's own, else a world file beside the image. */
  geo?: Georeference;
  /** EXIF DateTimeOriginal (TIFF DateTime for GeoTIFFs), else the file's modification time (ms since the epoch). */
  takenAtMs: number;
}

export function isImageFile(name: string): boolean {
  return IMAGE_EXTENSIONS.has(path.extname(name).toLowerCase()) && !name.startsWith('.');
}

export function isTiff(file: string): boolean {
  return TIFF_EXTENSIONS.has(path.extname(file).toLowerCase());
}

async function hashFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function fileSize(file: string): Promise<{ size: number; mtimeMs: number }> {
  try {
    return await stat(file);
  } catch (error) {
    throw new EdgeError('FLIGHT_IMAGE_UNREADABLE', `${file}: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * A (Geo)TIFF orthophoto: its pixels stay in the file and are read a window at a time; hashed as
 * a stream. Without GeoTIFF tags it needs a world file, or it is refused.
 */
async function readTiffImage(file: string): Promise<FlightImage> {
  const { mtimeMs } = await fileSize(file);
  const tiff = await openGeoTiff(file);
  try {
    let geo = tiff.geo;
    if (!geo) {
      const world = await readWorldFileFor(file);
      if (!world)
        throw new EdgeError(
          'FLIGHT_GEOREFERENCE_MISSING',
          `${file}: no GeoTIFF tags (GeoKeyDirectory, ModelTiepoint/ModelPixelScale or ModelTransformation) and no .tfw world file`,
        );
      geo = worldFileGeoreference(world);
    }
    return {
      name: path.basename(file),
      path: file,
      raster: tiff.raster,
      sha256: await hashFile(file),
      geo,
      takenAtMs: tiff.takenAtMs ?? mtimeMs,
    };
  } catch (error) {
    await tiff.raster.close();
    throw error;
  }
}

export async function readFlightImage(file: string): Promise<FlightImage> {
  const { size, mtimeMs } = await fileSize(file);
  if (size === 0) throw new EdgeError('FLIGHT_IMAGE_UNREADABLE', `${file}: empty file`);
  if (isTiff(file)) return readTiffImage(file);
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new EdgeError('FLIGHT_IMAGE_UNREADABLE', `${file}: ${(error as Error).message}`, { cause: error });
  }
  const pixels = await decodeRgb(bytes, file);
  const meta = (await exifr.parse(bytes, { pick: ['DateTimeOriginal'] }).catch(() => undefined)) as
    | { DateTimeOriginal?: Date }
    | undefined;
  const gps = (await exifr.gps(bytes).catch(() => undefined)) as
    | { latitude?: number; longitude?: number }
    | undefined;
  const world = await readWorldFileFor(file);
  const takenAt = meta?.DateTimeOriginal instanceof Date ? meta.DateTimeOriginal.getTime() : Number.NaN;
  const image: FlightImage = {
    name: path.basename(file),
    path: file,
    raster: memoryRaster(pixels),
    sha256: createHash('sha256').update(bytes).digest('hex'),
    takenAtMs: Number.isFinite(takenAt) ? takenAt : mtimeMs,
  };
  if (Number.isFinite(gps?.latitude) && Number.isFinite(gps?.longitude)) {
    image.gps = [gps?.longitude as number, gps?.latitude as number];
  }
  if (world) image.geo = worldFileGeoreference(world);
  return image;
}
