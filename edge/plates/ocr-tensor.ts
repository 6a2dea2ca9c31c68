import type { RawImage } from '../../foundation/media/frame.ts';
import type { TextDetectManifest } from '../../foundation/models/manifest-schema.ts';

type Normalisation = Pick<TextDetectManifest['input'], 'pixelFormat' | 'mean' | 'std'>;

/**
 * An RGB image as a normalised NCHW float tensor of `width` columns (the image's own columns
 * first; the rest stays 0, which is the mean grey after normalisation).
 */
export function toNchw(image: RawImage, input: Normalisation, width = image.width): Float32Array {
  const plane = width * image.height;
  const tensor = new Float32Array(plane * 3);
  const bgr = input.pixelFormat === 'BGR';
  for (let c = 0; c < 3; c++) {
    const source = bgr ? 2 - c : c;
    const mean = input.mean[c] as number;
    const std = input.std[c] as number;
    for (let y = 0; y < image.height; y++) {
      for (let x = 0; x < image.width; x++) {
        tensor[c * plane + y * width + x] =
          ((image.data[(y * image.width + x) * 3 + source] as number) - mean) / std;
      }
    }
  }
  return tensor;
}
