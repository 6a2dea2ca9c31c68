import sharp from 'sharp';
import { decodeRgb as decodeImage } from '../../foundation/media/decode-rgb.ts';
import { EdgeError } from '../errors.ts';

/** Interleaved 8-bit RGB pixels. */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/** A single-channel float map (change scores, masks) in row-major order. */
export interface FloatMap {
  data: Float32Array;
  width: number;
  height: number;
}

/** Decodes an image file or buffer to RGB (EXIF orientation applied); a bad file is refused with its name. */
export async function decodeRgb(source: string | Buffer, label = String(source)): Promise<RgbImage> {
  try {
    return await decodeImage(source);
  } catch (error) {
    throw new EdgeError('FLIGHT_IMAGE_UNREADABLE', `${label}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

export async function encodeJpeg(image: RgbImage, quality = 85): Promise<Buffer> {
  return sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .jpeg({ quality, mozjpeg: false })
    .toBuffer();
}

/** Luma (BT.601) as 8-bit grey, written into `out` when given. */
export function toGrey(
  image: RgbImage,
  out: Uint8Array = new Uint8Array(image.width * image.height),
): Uint8Array {
  const { data } = image;
  for (let i = 0, p = 0; i < out.length; i++, p += 3) {
    out[i] = ((data[p] ?? 0) * 77 + (data[p + 1] ?? 0) * 150 + (data[p + 2] ?? 0) * 29) >> 8;
  }
  return out;
}
