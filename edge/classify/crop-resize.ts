import type { Box, RawImage } from '../../foundation/media/frame.ts';
import type { ModelInput } from '../../foundation/models/manifest-schema.ts';
import { planInput } from '../detect/preprocess.ts';
import { EdgeError } from '../errors.ts';

/**
 * Crops and resamples in plain TypeScript: a classifier's input is a few thousand pixels, which
 * takes well under a millisecond here, less than a round trip through sharp would.
 */

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

interface AxisTaps {
  /** Per output pixel, `taps` source indices and weights (weights sum to 1). */
  index: Int32Array;
  weight: Float32Array;
  taps: number;
}

/**
 * Triangle-filter taps mapping [start, start + length) of a source axis of `size` pixels onto
 * `outSize` pixels, pixel centres aligned. Upscaling is plain bilinear; downscaling widens the
 * triangle to the scale factor, so every source pixel contributes (no aliasing). Taps stay inside
 * the crop (its edge pixels repeat), so a crop reads the same as those pixels cut out first.
 */
function axisTaps(start: number, length: number, size: number, outSize: number): AxisTaps {
  const lo = Math.max(0, Math.floor(start));
  const hi = Math.min(size - 1, Math.ceil(start + length) - 1);
  const scale = length / outSize;
  const support = Math.max(1, scale);
  const taps = Math.ceil(support) * 2 + 1;
  const index = new Int32Array(outSize * taps);
  const weight = new Float32Array(outSize * taps);
  for (let o = 0; o < outSize; o++) {
    const centre = start + (o + 0.5) * scale - 0.5;
    const first = Math.floor(centre - support) + 1;
    let total = 0;
    for (let t = 0; t < taps; t++) {
      const s = first + t;
      const w = Math.max(0, 1 - Math.abs(s - centre) / support);
      index[o * taps + t] = Math.min(hi, Math.max(lo, s));
      weight[o * taps + t] = w;
      total += w;
    }
    for (let t = 0; t < taps; t++) weight[o * taps + t] = (weight[o * taps + t] as number) / (total || 1);
  }
  return { index, weight, taps };
}

/** Resamples the `crop` of `image` (pixel edges, fractions allowed) to width x height RGB. */
export function resizeCrop(image: RawImage, crop: Box, width: number, height: number): RawImage {
  const [x1, y1, x2, y2] = crop;
  const tx = axisTaps(x1, x2 - x1, image.width, width);
  const ty = axisTaps(y1, y2 - y1, image.height, height);
  // Vertical pass over only the columns the horizontal pass reads, then the horizontal pass.
  const colFirst = tx.index.reduce((a, b) => Math.min(a, b), image.width);
  const colLast = tx.index.reduce((a, b) => Math.max(a, b), 0);
  const cols = colLast - colFirst + 1;
  const mid = new Float32Array(height * cols * 3);
  const src = image.data;
  for (let y = 0; y < height; y++) {
    for (let t = 0; t < ty.taps; t++) {
      const w = ty.weight[y * ty.taps + t] as number;
      if (w === 0) continue;
      const row = (ty.index[y * ty.taps + t] as number) * image.width;
      const out = y * cols * 3;
      for (let c = 0; c < cols; c++) {
        const i = (row + colFirst + c) * 3;
        const o = out + c * 3;
        mid[o] = (mid[o] as number) + w * (src[i] as number);
        mid[o + 1] = (mid[o + 1] as number) + w * (src[i + 1] as number);
        mid[o + 2] = (mid[o + 2] as number) + w * (src[i + 2] as number);
      }
    }
  }
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let t = 0; t < tx.taps; t++) {
        const w = tx.weight[x * tx.taps + t] as number;
        const i = (y * cols + (tx.index[x * tx.taps + t] as number) - colFirst) * 3;
        r += w * (mid[i] as number);
        g += w * (mid[i + 1] as number);
        b += w * (mid[i + 2] as number);
      }
      const o = (y * width + x) * 3;
      data[o] = Math.round(r);
      data[o + 1] = Math.round(g);
      data[o + 2] = Math.round(b);
    }
  }
  return { data, width, height };
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
