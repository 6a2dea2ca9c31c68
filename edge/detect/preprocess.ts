import sharp from 'sharp';
import type { Box, RawImage } from '../../foundation/media/frame.ts';
import type { ModelInput } from '../../foundation/models/manifest-schema.ts';
import { EdgeError } from '../errors.ts';
import type { Candidate } from './types.ts';

/** An image file path, an encoded image (JPEG, PNG, WebP…) or raw RGB pixels. */
export type ImageSource = string | Buffer | RawImage;

/** How the source image was placed into the model input, to map boxes back. */
export interface InputTransform {
  sourceWidth: number;
  sourceHeight: number;
  scaleX: number;
  scaleY: number;
  padX: number;
  padY: number;
}

function isRawImage(source: ImageSource): source is RawImage {
  return typeof source === 'object' && !Buffer.isBuffer(source);
}

function describeSource(source: ImageSource): string {
  if (typeof source === 'string') return source;
  if (Buffer.isBuffer(source)) return `encoded image of ${source.length} bytes`;
  return `raw image ${source.width}x${source.height}`;
}

async function sourceSize(source: ImageSource): Promise<{ width: number; height: number }> {
  if (isRawImage(source)) {
    if (source.data.length !== source.width * source.height * 3) {
      throw new EdgeError(
        'IMAGE_UNREADABLE',
        `raw image ${source.width}x${source.height} needs ${source.width * source.height * 3} bytes of RGB, got ${source.data.length}`,
      );
    }
    return source;
  }
  const meta = await sharp(source).metadata();
  const { width, height } = meta.autoOrient ?? meta;
  if (!width || !height) throw new Error('image has no dimensions');
  return { width, height };
}

/** The tensor shape a model input takes, from its manifest. */
export function inputDims(input: ModelInput): readonly number[] {
  return input.layout === 'NCHW' ? [1, 3, input.height, input.width] : [1, input.height, input.width, 3];
}

export function planInput(input: ModelInput, sourceWidth: number, sourceHeight: number): InputTransform {
  if (input.resize === 'stretch') {
    return {
      sourceWidth,
      sourceHeight,
      scaleX: input.width / sourceWidth,
      scaleY: input.height / sourceHeight,
      padX: 0,
      padY: 0,
    };
  }
  const scale = Math.min(input.width / sourceWidth, input.height / sourceHeight);
  const width = Math.max(1, Math.round(sourceWidth * scale));
  const height = Math.max(1, Math.round(sourceHeight * scale));
  return {
    sourceWidth,
    sourceHeight,
    scaleX: width / sourceWidth,
    scaleY: height / sourceHeight,
    padX: Math.floor((input.width - width) / 2),
    padY: Math.floor((input.height - height) / 2),
  };
}

/** Maps a candidate from model-input pixels back to the source image, clipped to it. */
export function toSourceBox(candidate: Candidate, t: InputTransform): Box {
  const clipX = (x: number) => Math.min(t.sourceWidth, Math.max(0, (x - t.padX) / t.scaleX));
  const clipY = (y: number) => Math.min(t.sourceHeight, Math.max(0, (y - t.padY) / t.scaleY));
  return [clipX(candidate.x1), clipY(candidate.y1), clipX(candidate.x2), clipY(candidate.y2)];
}

/**
 * Resizes images to a model's input and normalises them into one reused Float32Array, in the
 * model's layout and channel order.
 */
export class Preprocessor {
  readonly tensor: Float32Array;
  readonly dims: readonly number[];
  /** Normalised value of each 0..255 level, per model channel: lut[c * 256 + v]. */
  private readonly lut: Float32Array;
  /** For each model channel, which RGB channel feeds it. */
  private readonly sourceChannel: readonly [number, number, number];

  constructor(private readonly input: ModelInput) {
    this.tensor = new Float32Array(3 * input.width * input.height);
    this.dims = inputDims(input);
    this.lut = new Float32Array(3 * 256);
    for (let c = 0; c < 3; c++) {
      for (let v = 0; v < 256; v++) this.lut[c * 256 + v] = (v - (input.mean[c] ?? 0)) / (input.std[c] ?? 1);
    }
    this.sourceChannel = input.pixelFormat === 'RGB' ? [0, 1, 2] : [2, 1, 0];
  }

  /** Fills `tensor` from the image and returns how the image was placed. */
  async load(source: ImageSource): Promise<InputTransform> {
    let transform: InputTransform;
    let rgb: Buffer;
    try {
      const size = await sourceSize(source);
      transform = planInput(this.input, size.width, size.height);
      rgb = this.fitsAsIs(source)
        ? Buffer.from(source.data.buffer, source.data.byteOffset, source.data.length)
        : await this.resize(source, transform);
    } catch (error) {
      if (error instanceof EdgeError) throw error;
      throw new EdgeError('IMAGE_UNREADABLE', `${describeSource(source)}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    this.normalise(rgb);
    return transform;
  }

  /** A raw frame already at the model's size (ffmpeg scaled it) needs no resampling. */
  private fitsAsIs(source: ImageSource): source is RawImage {
    return isRawImage(source) && source.width === this.input.width && source.height === this.input.height;
  }

  private async resize(source: ImageSource, t: InputTransform): Promise<Buffer> {
    const { width, height, padValue } = this.input;
    const image = isRawImage(source)
      ? sharp(source.data, { raw: { width: source.width, height: source.height, channels: 3 } })
      : sharp(source).autoOrient();
    const resizedWidth = Math.round(t.sourceWidth * t.scaleX);
    const resizedHeight = Math.round(t.sourceHeight * t.scaleY);
    let pipeline = image.removeAlpha().resize(resizedWidth, resizedHeight, { fit: 'fill' });
    if (resizedWidth !== width || resizedHeight !== height) {
      pipeline = pipeline.extend({
        top: t.padY,
        left: t.padX,
        bottom: height - resizedHeight - t.padY,
        right: width - resizedWidth - t.padX,
        background: { r: padValue, g: padValue, b: padValue },
      });
    }
    return pipeline.toColourspace('srgb').raw().toBuffer();
  }

  private normalise(encoded: Buffer): void {
    const { tensor, lut } = this;
    const rgb = new Uint8Array(encoded.buffer, encoded.byteOffset, encoded.length);
    const pixels = this.input.width * this.input.height;
    if (rgb.length !== pixels * 3) {
      throw new EdgeError(
        'IMAGE_UNREADABLE',
        `resized image has ${rgb.length} bytes, expected ${pixels * 3}`,
      );
    }
    const planar = this.input.layout === 'NCHW';
    normaliseInto(rgb, tensor, lut, pixels, this.sourceChannel, planar ? 1 : 3, planar ? pixels : 1);
  }
}

/**
 * Writes each pixel's three channels, looked up in the normalisation table, into the tensor: the
 * pixel's first value at `p * pixelStep`, its channels `channelStep` apart (NCHW planes: 1 and
 * `pixels`; NHWC: 3 and 1). `s0, s1, s2` pick the source byte of each channel (RGB or BGR).
 */
function normaliseInto(
  rgb: Uint8Array,
  tensor: Float32Array,
  lut: Float32Array,
  pixels: number,
  [s0, s1, s2]: readonly [number, number, number],
  pixelStep: number,
  channelStep: number,
): void {
  const c2 = 2 * channelStep;
  for (let i = 0, o = 0; i < 3 * pixels; i += 3, o += pixelStep) {
    tensor[o] = lut[rgb[i + s0] as number] as number;
    tensor[o + channelStep] = lut[256 + (rgb[i + s1] as number)] as number;
    tensor[o + c2] = lut[512 + (rgb[i + s2] as number)] as number;
  }
}
