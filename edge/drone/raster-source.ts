import sharp from 'sharp';
import type { RgbImage } from './raster.ts';

/** [x0, y0, x1, y1] in full-resolution pixels, x1 and y1 exclusive. */
export type PixelWindow = readonly [number, number, number, number];

/**
 * An image whose pixels are read a window at a time, at full resolution or resampled: a decoded
 * image in memory, or a tiled GeoTIFF on disk read tile by tile, so that an orthomosaic larger
 * than memory is never whole in it.
 */
export interface RasterSource {
  readonly width: number;
  readonly height: number;
  /** The window's pixels (clamped to the image) at full resolution. */
  readFull(window: PixelWindow): Promise<RgbImage>;
  /** Releases a file handle, if any. */
  close(): Promise<void>;
}

/** Most full-resolution pixels read at once when downsampling: 4 MP, 12 MB of RGB. */
export const MAX_BAND_PIXELS = 4_000_000;

export function clampWindow(source: { width: number; height: number }, w: PixelWindow): PixelWindow {
  const x0 = Math.max(0, Math.min(source.width, Math.floor(w[0])));
  const y0 = Math.max(0, Math.min(source.height, Math.floor(w[1])));
  const x1 = Math.max(x0, Math.min(source.width, Math.ceil(w[2])));
  const y1 = Math.max(y0, Math.min(source.height, Math.ceil(w[3])));
  return [x0, y0, x1, y1];
}

/** Resizes RGB pixels with libvips' area-aware reduction (no aliasing when shrinking). */
export async function resizeRgb(image: RgbImage, width: number, height: number): Promise<RgbImage> {
  if (image.width === width && image.height === height) return image;
  const { data, info } = await sharp(image.data, {
    raw: { width: image.width, height: image.height, channels: 3 },
  })
    .resize(width, height, { fit: 'fill', kernel: 'lanczos3' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return {
    data: new Uint8Array(data.buffer, data.byteOffset, data.length),
    width: info.width,
    height: info.height,
  };
}

/**
 * The window resampled to `outWidth` × `outHeight`, read in horizontal bands of at most
 * MAX_BAND_PIXELS full-resolution pixels, each reduced before the next is read: memory stays at
 * one band plus the output, whatever the window's size.
 */
export async function readResampled(
  source: RasterSource,
  window: PixelWindow,
  outWidth: number,
  outHeight: number,
): Promise<RgbImage> {
  const [x0, y0, x1, y1] = clampWindow(source, window);
  const width = x1 - x0;
  const height = y1 - y0;
  if (width === 0 || height === 0 || outWidth < 1 || outHeight < 1) {
    throw new Error(`empty window [${window.join(', ')}] of a ${source.width}x${source.height} image`);
  }
  if (width === outWidth && height === outHeight) return source.readFull([x0, y0, x1, y1]);
  const rowsPerOutRow = height / outHeight;
  const outRowsPerBand = Math.max(1, Math.floor(MAX_BAND_PIXELS / (width * rowsPerOutRow)));
  if (outRowsPerBand >= outHeight)
    return resizeRgb(await source.readFull([x0, y0, x1, y1]), outWidth, outHeight);
  const out = new Uint8Array(outWidth * outHeight * 3);
  for (let row = 0; row < outHeight; row += outRowsPerBand) {
    const rows = Math.min(outRowsPerBand, outHeight - row);
    const top = y0 + Math.round(row * rowsPerOutRow);
    const bottom = row + rows >= outHeight ? y1 : y0 + Math.round((row + rows) * rowsPerOutRow);
    const band = await source.readFull([x0, top, x1, bottom]);
    const reduced = await resizeRgb(band, outWidth, rows);
    out.set(reduced.data, row * outWidth * 3);
  }
  return { data: out, width: outWidth, height: outHeight };
}

/** A decoded image in memory as a raster source. */
export function memoryRaster(image: RgbImage): RasterSource {
  return {
    width: image.width,
    height: image.height,
    async readFull(window) {
      const [x0, y0, x1, y1] = clampWindow(image, window);
      if (x0 === 0 && y0 === 0 && x1 === image.width && y1 === image.height) return image;
      const width = x1 - x0;
      const data = new Uint8Array(width * (y1 - y0) * 3);
      for (let y = y0; y < y1; y++) {
        data.set(
          image.data.subarray((y * image.width + x0) * 3, (y * image.width + x1) * 3),
          (y - y0) * width * 3,
        );
      }
      return { data, width, height: y1 - y0 };
    },
    async close() {},
  };
}

/** The whole image at full resolution (for images small enough to compare whole). */
export function readWhole(source: RasterSource): Promise<RgbImage> {
  return source.readFull([0, 0, source.width, source.height]);
}
