import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import exifr from 'exifr';
import type { GeoTransform } from '../../foundation/geometry/geo-transform.ts';
import { EdgeError } from '../errors.ts';
import { decodeRgb, type RgbImage } from './raster.ts';
import { readWorldFileFor } from './world-file.ts';

export const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.tif', '.tiff']);

/** One image of a flight, decoded, with where and when it was taken as far as the file says. */
export interface FlightImage {
  name: string;
  path: string;
  pixels: RgbImage;
  /** sha256 of the file's bytes: the image's identity in event ids. */
  sha256: string;
  /** Camera position from EXIF GPS, [lon, lat]. */
  gps?: [number, number];
  /** Orthophoto georeference from a world file beside it. */
  world?: GeoTransform;
  /** EXIF DateTimeOriginal, else the file's modification time (ms since the epoch). */
  takenAtMs: number;
}

export function isImageFile(name: string): boolean {
  return IMAGE_EXTENSIONS.has(path.extname(name).toLowerCase()) && !name.startsWith('.');
}

export async function readFlightImage(file: string, sha256: (b: Buffer) => string): Promise<FlightImage> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new EdgeError('FLIGHT_IMAGE_UNREADABLE', `${file}: ${(error as Error).message}`, { cause: error });
  }
  if (bytes.length === 0) throw new EdgeError('FLIGHT_IMAGE_UNREADABLE', `${file}: empty file`);
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
    pixels,
    sha256: sha256(bytes),
    takenAtMs: Number.isFinite(takenAt) ? takenAt : (await stat(file)).mtimeMs,
  };
  if (Number.isFinite(gps?.latitude) && Number.isFinite(gps?.longitude)) {
    image.gps = [gps?.longitude as number, gps?.latitude as number];
  }
  if (world) image.world = world;
  return image;
}
