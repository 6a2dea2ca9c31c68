import * as ort from 'onnxruntime-node';
import type { Box, RawImage } from '../../foundation/media/frame.ts';
import type { ClassifierDecoderConfig, ModelManifest } from '../../foundation/models/manifest-schema.ts';
import { SerialQueue } from '../../foundation/util/serial-queue.ts';
import { type LoadedManifest, loadModelManifest } from '../detect/model-manifest.ts';
import { checkInputShape, checkOutputNames, openSession } from '../detect/onnx-session.ts';
import { inputDims, Preprocessor } from '../detect/preprocess.ts';
import { EdgeError } from '../errors.ts';
import { cropToInput } from './crop-resize.ts';

export interface ClassifierOptions {
  /** Threads for one inference; defaults to the machine's cores. */
  threads?: number;
}

/** A classifier's verdict on one image or crop. */
export interface Classification {
  /** The likeliest label. */
  label: string;
  /** Its probability. */
  score: number;
  /** The probability of every label (they sum to 1). */
  scores: Record<string, number>;
}

export interface ClassifyItem {
  image: RawImage;
  /** Pixels [x1, y1, x2, y2] of `image`; omitted, the whole image. */
  crop?: Box;
}

/** Turns one row of raw scores into probabilities (softmax unless the model already applied it). */
export function toClassification(
  row: ArrayLike<number>,
  labels: readonly string[],
  outputIsProbabilities: boolean,
): Classification {
  const values = Array.from(row);
  let probabilities = values;
  if (!outputIsProbabilities) {
    const max = Math.max(...values);
    const exps = values.map((v) => Math.exp(v - max));
    const sum = exps.reduce((a, b) => a + b, 0);
    probabilities = exps.map((e) => e / sum);
  }
  let best = 0;
  for (let k = 1; k < probabilities.length; k++) {
    if ((probabilities[k] as number) > (probabilities[best] as number)) best = k;
  }
  const scores: Record<string, number> = {};
  for (const [k, label] of labels.entries()) scores[label] = probabilities[k] as number;
  return { label: labels[best] as string, score: probabilities[best] as number, scores };
}

function checkOutputWidth(loaded: LoadedManifest, session: ort.InferenceSession, output: string): void {
  const meta = session.outputMetadata.find((m) => m.name === output);
  const width = meta?.isTensor ? meta.shape[meta.shape.length - 1] : undefined;
  const labels = loaded.manifest.labels.length;
  if (typeof width === 'number' && width !== labels) {
    throw new EdgeError(
      'MODEL_OUTPUT_MISMATCH',
      `${loaded.manifestPath}: output "${output}" of ${loaded.manifest.file} gives ${width} scores, but the manifest lists ${labels} labels`,
    );
  }
}

/**
 * A second-stage image classifier: crops of a frame in, a probability per label out. One
 * onnxruntime session; calls run one at a time in call order, like Detector's.
 */
export class Classifier {
  private readonly queue = new SerialQueue();
  private readonly preprocessor: Preprocessor;

  private constructor(
    readonly loaded: LoadedManifest,
    private readonly session: ort.InferenceSession,
    private readonly decoder: ClassifierDecoderConfig,
    /** Whether the model takes a batch of any size in one run. */
    readonly dynamicBatch: boolean,
  ) {
    this.preprocessor = new Preprocessor(loaded.manifest.input);
  }

  static async load(nameOrPath: string, options: ClassifierOptions = {}): Promise<Classifier> {
    return Classifier.fromManifest(await loadModelManifest(nameOrPath), options);
  }

  static async fromManifest(loaded: LoadedManifest, options: ClassifierOptions = {}): Promise<Classifier> {
    const { manifest, manifestPath } = loaded;
    const decoder = manifest.decoder;
    if (manifest.task !== 'classify' || decoder.type !== 'classifier') {
      throw new EdgeError(
        'MODEL_TASK_MISMATCH',
        `${manifestPath}: task is "${manifest.task}" (decoder "${decoder.type}"), but a Classifier runs only "classify" models (use Detector)`,
      );
    }
    const session = await openSession(loaded, options.threads);
    try {
      const shape = checkInputShape(loaded, session, inputDims(manifest.input));
      checkOutputNames(loaded, session, [decoder.output], 'classifier');
      checkOutputWidth(loaded, session, decoder.output);
      return new Classifier(loaded, session, decoder, typeof shape[0] === 'string');
    } catch (error) {
      await session.release();
      throw error;
    }
  }

  get manifest(): ModelManifest {
    return this.loaded.manifest;
  }

  /** Classifies the crop (pixels [x1, y1, x2, y2] of `image`), or the whole image without one. */
  classify(image: RawImage, crop?: Box): Promise<Classification> {
    return this.queue.run(async () => {
      const [result] = await this.run([{ image, crop }]);
      return result as Classification;
    });
  }

  /**
   * Classifies several crops: in one session run when the model's batch dimension is dynamic,
   * otherwise one run each. Results are in the items' order.
   */
  classifyBatch(items: readonly ClassifyItem[]): Promise<Classification[]> {
    if (items.length === 0) return Promise.resolve([]);
    return this.queue.run(async () => {
      if (this.dynamicBatch) return this.run(items);
      const results: Classification[] = [];
      for (const item of items) results.push(...(await this.run([item])));
      return results;
    });
  }

  async dispose(): Promise<void> {
    await this.queue.idle();
    await this.session.release();
  }

  private async run(items: readonly ClassifyItem[]): Promise<Classification[]> {
    const { input, labels } = this.manifest;
    const per = this.preprocessor.tensor.length;
    const batch = new Float32Array(per * items.length);
    for (const [k, item] of items.entries()) {
      await this.preprocessor.load(cropToInput(checkedImage(item.image), item.crop, input));
      batch.set(this.preprocessor.tensor, k * per);
    }
    const dims = [items.length, ...this.preprocessor.dims.slice(1)];
    const results = await this.session.run({ [input.name]: new ort.Tensor('float32', batch, dims) });
    const output = results[this.decoder.output] as ort.Tensor;
    const data = output.data as Float32Array;
    const width = data.length / items.length;
    if (width !== labels.length) {
      throw new EdgeError(
        'MODEL_OUTPUT_MISMATCH',
        `${this.loaded.modelPath}: output "${this.decoder.output}" gave ${width} scores per image, but the manifest lists ${labels.length} labels`,
      );
    }
    return items.map((_, k) =>
      toClassification(data.subarray(k * width, (k + 1) * width), labels, this.decoder.outputIsProbabilities),
    );
  }
}

function checkedImage(image: RawImage): RawImage {
  if (image.data.length !== image.width * image.height * 3) {
    throw new EdgeError(
      'IMAGE_UNREADABLE',
      `raw image ${image.width}x${image.height} needs ${image.width * image.height * 3} bytes of RGB, got ${image.data.length}`,
    );
  }
  return image;
}
