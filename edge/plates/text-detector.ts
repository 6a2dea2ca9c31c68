import * as ort from 'onnxruntime-node';
import type { Box, RawImage } from '../../foundation/media/frame.ts';
import { resizeCrop } from '../../foundation/media/resample.ts';
import type { TextDetectManifest } from '../../foundation/models/manifest-schema.ts';
import type { Loaded } from '../detect/model-manifest.ts';
import { checkOutputNames, openSession } from '../detect/onnx-session.ts';
import { loadOcrManifest } from './ocr-manifests.ts';
import { toNchw } from './ocr-tensor.ts';
import { type TextBox, textBoxesFromMap } from './text-boxes.ts';

/** Regions smaller than this many map pixels are noise. */
const MIN_REGION_PIXELS = 6;

/**
 * PP-OCR's DB text detector on one region of a frame: the region scaled so that its longer side is
 * the manifest's `maxSide` (small regions are scaled up: a plate of a few pixels needs it), rounded
 * to the size multiple; text boxes come back in the frame's pixels.
 */
export class TextDetector {
  private constructor(
    readonly loaded: Loaded<TextDetectManifest>,
    private readonly session: ort.InferenceSession,
  ) {}

  static async load(nameOrPath: string, threads?: number): Promise<TextDetector> {
    const loaded = await loadOcrManifest(nameOrPath, 'text-detect');
    const session = await openSession(loaded, threads);
    try {
      checkOutputNames(loaded, session, [loaded.manifest.output], 'the text detector');
    } catch (error) {
      await session.release();
      throw error;
    }
    return new TextDetector(loaded, session);
  }

  async detect(frame: RawImage, region: Readonly<Box>): Promise<TextBox[]> {
    const { input, output, thresholds } = this.loaded.manifest;
    const regionWidth = region[2] - region[0];
    const regionHeight = region[3] - region[1];
    const scale = input.maxSide / Math.max(regionWidth, regionHeight);
    const multiple = input.sizeMultiple;
    const width = Math.max(multiple, Math.round((regionWidth * scale) / multiple) * multiple);
    const height = Math.max(multiple, Math.round((regionHeight * scale) / multiple) * multiple);
    const resized = resizeCrop(frame, [...region] as Box, width, height);
    const tensor = new ort.Tensor('float32', toNchw(resized, input), [1, 3, height, width]);
    const result = await this.session.run({ [input.name]: tensor });
    const map = (result[output] as ort.Tensor).data as Float32Array;
    const boxes = textBoxesFromMap(map, width, height, {
      pixelThreshold: thresholds.pixel,
      boxThreshold: thresholds.box,
      unclip: thresholds.unclip,
      minPixels: MIN_REGION_PIXELS,
    });
    const sx = regionWidth / width;
    const sy = regionHeight / height;
    return boxes.map(({ box, score }) => ({
      box: [
        region[0] + box[0] * sx,
        region[1] + box[1] * sy,
        region[0] + box[2] * sx,
        region[1] + box[3] * sy,
      ],
      score,
    }));
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}
