import sharp from 'sharp';
import type { RawImage } from './frame.ts';

/** Decodes an image file or buffer to interleaved RGB, EXIF orientation applied, alpha removed. */
export async function decodeRgb(source: string | Buffer): Promise<RawImage> {
  const { data, info } = await sharp(source)
    .rotate()
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`${info.channels} channels after conversion`);
  return {
    data: new Uint8Array(data.buffer, data.byteOffset, data.length),
    width: info.width,
    height: info.height,
  };
}
