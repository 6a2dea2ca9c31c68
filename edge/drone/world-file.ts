import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { GeoTransform } from '../../foundation/geometry/geo-transform.ts';
import { EdgeError } from '../errors.ts';

/** The world file of an image: the file beside it with the world-file extension of its format. */
const WORLD_FILE_EXTENSIONS: Record<string, string[]> = {
  '.jpg': ['.jgw', '.jpgw', '.wld'],
  '.jpeg': ['.jgw', '.jpegw', '.wld'],
  '.png': ['.pgw', '.pngw', '.wld'],
  '.tif': ['.tfw', '.tifw', '.wld'],
  '.tiff': ['.tfw', '.tiffw', '.wld'],
};

export function worldFileCandidates(imagePath: string): string[] {
  const ext = path.extname(imagePath);
  const stem = imagePath.slice(0, imagePath.length - ext.length);
  return (WORLD_FILE_EXTENSIONS[ext.toLowerCase()] ?? ['.wld']).flatMap((w) => [
    stem + w,
    stem + w.toUpperCase(),
  ]);
}

export function parseWorldFile(text: string, label: string): GeoTransform {
  const numbers = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0)
    .map(Number);
  if (numbers.length !== 6 || numbers.some((n) => !Number.isFinite(n))) {
    throw new EdgeError('FLIGHT_WORLD_FILE_INVALID', `${label}: need six numbers, one a line`);
  }
  const [a, d, b, e, c, f] = numbers as [number, number, number, number, number, number];
  if (a * e - b * d === 0)
    throw new EdgeError('FLIGHT_WORLD_FILE_INVALID', `${label}: the transform is singular`);
  return { a, d, b, e, c, f };
}

/** The world file beside an image, if there is one. */
export async function readWorldFileFor(imagePath: string): Promise<GeoTransform | undefined> {
  const found = worldFileCandidates(imagePath).find((p) => existsSync(p));
  if (!found) return undefined;
  return parseWorldFile(await readFile(found, 'utf8'), found);
}
