import type { Box, RawImage } from '../../foundation/media/frame.ts';
import { resizeCrop } from '../../foundation/media/resample.ts';
import type { ModelInput } from '../../foundation/models/manifest-schema.ts';
import { planInput } from '../detect/preprocess.ts';
import { EdgeError } from '../errors.ts';

/** The crop clipped to the image, or the whole image; throws when nothing of it is inside. */
export function clipCrop(image: RawImage, crop?: Box): Box {
  if (!crop) return [0, 0, image.width, image.height];
  const [x1, y1, x2, y2] = crop;
  const clipped: Box = [
    Math.max(0, Math.min(image.width, x1)),
    Math.max(0, Math.min(image.height, y1)),
    Math.max(0, Math.min(image.width, x2)),
    Math.max(0, Math.min(image.height, y2)),
  ];
  if (!(clipped[2] - clipped[0] >= 1 && clipped[3] - clipped[1] >= 1)) {
    throw new EdgeError(
      'IMAGE_UNREADABLE',
      `crop [${crop.map((v) => Math.round(v * 10) / 10).join(', ')}] covers less than a pixel of the ${image.width}x${image.height} image`,
    );
  }
  return clipped;
}

/**
 * The crop as the model's input image: stretched to the input size, or letterboxed (aspect kept,
 * padded with `padValue`) as the manifest says.
 */
export function cropToInput(image: RawImage, crop: Box | undefined, input: ModelInput): RawImage {
  const box = clipCrop(image, crop);
  const cropWidth = box[2] - box[0];
  const cropHeight = box[3] - box[1];
  if (input.resize === 'stretch') return resizeCrop(image, box, input.width, input.height);
  const t = planInput(input, cropWidth, cropHeight);
  const width = Math.max(1, Math.round(cropWidth * t.scaleX));
  const height = Math.max(1, Math.round(cropHeight * t.scaleY));
  const inner = resizeCrop(image, box, width, height);
  const data = new Uint8Array(input.width * input.height * 3).fill(Math.round(input.padValue));
  for (let y = 0; y < height; y++) {
    const from = y * width * 3;
    data.set(inner.data.subarray(from, from + width * 3), ((y + t.padY) * input.width + t.padX) * 3);
  }
  return { data, width: input.width, height: input.height };
}
