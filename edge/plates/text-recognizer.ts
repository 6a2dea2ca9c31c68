import * as ort from 'onnxruntime-node';
import type { Box, RawImage } from '../../foundation/media/frame.ts';
import { resizeCrop } from '../../foundation/media/resample.ts';
import type { TextRecognizeManifest } from '../../foundation/models/manifest-schema.ts';
import type { Loaded } from '../detect/model-manifest.ts';
import { checkOutputNames, openSession } from '../detect/onnx-session.ts';
import { EdgeError } from '../errors.ts';
import { type CtcRead, ctcGreedyDecode } from './ctc-decode.ts';
import { loadAlphabet, loadOcrManifest } from './ocr-manifests.ts';
import { toNchw } from './ocr-tensor.ts';

/**
 * PP-OCR's CTC text-line recogniser: a box of a frame scaled to the model's height with its aspect
 * kept (up to `maxWidth`), padded on the right to at least `minWidth`, read greedily.
 */
export class TextRecognizer {
  private constructor(
    readonly loaded: Loaded<TextRecognizeManifest>,
    private readonly session: ort.InferenceSession,
    private readonly alphabet: readonly string[],
  ) {}

  static async load(nameOrPath: string, threads?: number): Promise<TextRecognizer> {
    const loaded = await loadOcrManifest(nameOrPath, 'text-recognize');
    const alphabet = await loadAlphabet(loaded);
    const session = await openSession(loaded, threads);
    try {
      checkOutputNames(loaded, session, [loaded.manifest.output], 'the text recogniser');
      const meta = session.outputMetadata.find((m) => m.name === loaded.manifest.output);
      const classes = meta?.isTensor ? meta.shape[meta.shape.length - 1] : undefined;
      if (typeof classes === 'number' && classes !== alphabet.length) {
        throw new EdgeError(
          'MODEL_OUTPUT_MISMATCH',
          `${loaded.manifestPath}: ${loaded.manifest.file} gives ${classes} classes per step, but the dictionary makes ${alphabet.length}`,
        );
      }
    } catch (error) {
      await session.release();
      throw error;
    }
    return new TextRecognizer(loaded, session, alphabet);
  }

  async recognize(frame: RawImage, box: Readonly<Box>): Promise<CtcRead> {
    const { input, output } = this.loaded.manifest;
    const boxWidth = box[2] - box[0];
    const boxHeight = box[3] - box[1];
    const width = Math.max(1, Math.min(input.maxWidth, Math.round((input.height * boxWidth) / boxHeight)));
    const padded = Math.max(width, input.minWidth);
    const line = resizeCrop(frame, [...box] as Box, width, input.height);
    const tensor = new ort.Tensor('float32', toNchw(line, input, padded), [1, 3, input.height, padded]);
    const result = await this.session.run({ [input.name]: tensor });
    const probs = result[output] as ort.Tensor;
    const [, steps, classes] = probs.dims as [number, number, number];
    return ctcGreedyDecode(probs.data as Float32Array, steps, classes, this.alphabet);
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}
