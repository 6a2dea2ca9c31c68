import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { boundingBox, type Point } from '../../foundation/geometry/image-plane.ts';
import type { EvidenceFile } from './drone-types.ts';
import type { RgbImage } from './raster.ts';

const QUALITY = 88;

async function write(file: string, bytes: Buffer): Promise<EvidenceFile> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, bytes);
  return {
    path: file,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    size: bytes.length,
    contentType: 'image/jpeg',
  };
}

/** The polygon's bounding box grown by half its size (at least `min` pixels a side), clipped to the image. */
export function cropWindow(polygon: readonly Point[], width: number, height: number, min = 48) {
  const [x1, y1, x2, y2] = boundingBox(polygon);
  const w = Math.max(min, (x2 - x1) * 2);
  const h = Math.max(min, (y2 - y1) * 2);
  const cx = (x1 + x2) / 2;
  const cy = (y1 + y2) / 2;
  const left = Math.max(0, Math.round(cx - w / 2));
  const top = Math.max(0, Math.round(cy - h / 2));
  return {
    left,
    top,
    width: Math.min(width - left, Math.round(w)),
    height: Math.min(height - top, Math.round(h)),
  };
}

function raw(image: RgbImage) {
  return { raw: { width: image.width, height: image.height, channels: 3 as const } };
}

/**
 * Before and after crops around a structure (both in the baseline's grid, so they line up), and a
 * side-by-side pair with the outline drawn on both halves.
 */
export async function writeStructureEvidence(
  before: RgbImage,
  after: RgbImage,
  polygon: readonly Point[],
  filePrefix: string,
): Promise<{ before: EvidenceFile; after: EvidenceFile; pair: EvidenceFile }> {
  const win = cropWindow(polygon, before.width, before.height);
  const crop = (image: RgbImage) => sharp(image.data, raw(image)).extract(win);
  const beforeJpeg = await crop(before).jpeg({ quality: QUALITY }).toBuffer();
  const afterJpeg = await crop(after).jpeg({ quality: QUALITY }).toBuffer();
  const scale = Math.max(1, Math.floor(256 / Math.max(win.width, win.height)));
  const w = win.width * scale;
  const h = win.height * scale;
  const points = polygon
    .map(([x, y]) => `${((x - win.left) * scale).toFixed(1)},${((y - win.top) * scale).toFixed(1)}`)
    .join(' ');
  const outline = (dx: number) =>
    `<polygon transform="translate(${dx},0)" points="${points}" fill="none" stroke="#ff2d55" stroke-width="2"/>`;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${2 * w + 4}" height="${h}">${outline(0)}${outline(w + 4)}</svg>`;
  const half = async (jpeg: Buffer) => sharp(jpeg).resize(w, h, { kernel: 'nearest' }).png().toBuffer();
  const pairJpeg = await sharp({
    create: { width: 2 * w + 4, height: h, channels: 3, background: '#ffffff' },
  })
    .composite([
      { input: await half(beforeJpeg), left: 0, top: 0 },
      { input: await half(afterJpeg), left: w + 4, top: 0 },
      { input: Buffer.from(svg), left: 0, top: 0 },
    ])
    .jpeg({ quality: QUALITY })
    .toBuffer();
  return {
    before: await write(`${filePrefix}-before.jpg`, beforeJpeg),
    after: await write(`${filePrefix}-after.jpg`, afterJpeg),
    pair: await write(`${filePrefix}-pair.jpg`, pairJpeg),
  };
}
