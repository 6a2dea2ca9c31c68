import * as ort from 'onnxruntime-node';
import type { ModelManifest } from '../../foundation/models/manifest-schema.ts';
import { SerialQueue } from '../../foundation/util/serial-queue.ts';
import { EdgeError } from '../errors.ts';
import { createDecoder } from './decoders/index.ts';
import { type LoadedManifest, loadModelManifest } from './model-manifest.ts';
import { nonMaxSuppression } from './nms.ts';
import { checkInputShape, checkOutputNames, openSession } from './onnx-session.ts';
import { type ImageSource, type InputTransform, inputDims, Preprocessor, toSourceBox } from './preprocess.ts';
import type { Decoder, Detection, ModelOutputs } from './types.ts';

export interface DetectorOptions {
  /** Threads for one inference; defaults to the machine's cores. */
  threads?: number;
  scoreThreshold?: number;
  iouThreshold?: number;
  maxDetections?: number;
}

export interface DetectOverrides {
  scoreThreshold?: number;
}

/**
 * One model, one onnxruntime session and one reused input tensor. Calls to `detect` run one at a
 * time in call order. Overlapping the next image's preprocessing with the current inference was
 * measured slower on a 2-core box (the preprocessing competes with onnxruntime's threads).
 */
export class Detector {
  private readonly queue = new SerialQueue();
  private readonly preprocessor: Preprocessor;
  private readonly inputTensor: ort.Tensor;

  private constructor(
    readonly loaded: LoadedManifest,
    private readonly session: ort.InferenceSession,
    private readonly decoder: Decoder,
    private readonly options: Required<Omit<DetectorOptions, 'threads'>>,
  ) {
    this.preprocessor = new Preprocessor(loaded.manifest.input);
    this.inputTensor = new ort.Tensor('float32', this.preprocessor.tensor, this.preprocessor.dims);
  }

  static async load(nameOrPath: string, options: DetectorOptions = {}): Promise<Detector> {
    return Detector.fromManifest(await loadModelManifest(nameOrPath), options);
  }

  /** From a manifest already loaded and checked (evaluation uses this to try variants of one). */
  static async fromManifest(loaded: LoadedManifest, options: DetectorOptions = {}): Promise<Detector> {
    const { manifest } = loaded;
    if (manifest.task !== 'detect') {
      throw new EdgeError(
        'MODEL_TASK_MISMATCH',
        `${loaded.manifestPath}: task is "${manifest.task}", but a Detector runs only "detect" models (use Classifier)`,
      );
    }
    const iouThreshold = options.iouThreshold ?? manifest.thresholds.iou;
    if (iouThreshold === undefined) {
      throw new EdgeError('MODEL_MANIFEST_INVALID', `${loaded.manifestPath}: thresholds.iou is missing`);
    }
    const session = await openSession(loaded, options.threads);
    try {
      checkInputShape(loaded, session, inputDims(manifest.input));
      const decoder = createDecoder(manifest.decoder);
      checkOutputNames(loaded, session, decoder.outputNames);
      return new Detector(loaded, session, decoder, {
        scoreThreshold: options.scoreThreshold ?? manifest.thresholds.score,
        iouThreshold,
        maxDetections: options.maxDetections ?? manifest.thresholds.maxDetections,
      });
    } catch (error) {
      await session.release();
      throw error;
    }
  }

  get manifest(): ModelManifest {
    return this.loaded.manifest;
  }

  /** Detections in the source image's pixel coordinates, best first. */
  detect(source: ImageSource, overrides: DetectOverrides = {}): Promise<Detection[]> {
    return this.queue.run(async () => {
      const transform = await this.preprocessor.load(source);
      return this.postprocess(await this.infer(), transform, overrides);
    });
  }

  /** Runs the session alone on whatever the input tensor holds: the baseline for benchmarks. */
  runInference(): Promise<ModelOutputs> {
    return this.queue.run(() => this.infer());
  }

  /** Fills the input tensor without running the model (benchmarks time the two apart). */
  async preprocess(source: ImageSource): Promise<void> {
    await this.queue.run(() => this.preprocessor.load(source));
  }

  async dispose(): Promise<void> {
    await this.queue.idle();
    await this.session.release();
  }

  private async infer(): Promise<ModelOutputs> {
    const results = await this.session.run({ [this.manifest.input.name]: this.inputTensor });
    return results as unknown as ModelOutputs;
  }

  private postprocess(
    outputs: ModelOutputs,
    transform: InputTransform,
    overrides: DetectOverrides,
  ): Detection[] {
    const { width, height } = this.manifest.input;
    const scoreThreshold = overrides.scoreThreshold ?? this.options.scoreThreshold;
    const candidates = this.decoder.decode(outputs, {
      inputWidth: width,
      inputHeight: height,
      scoreThreshold,
    });
    const kept = nonMaxSuppression(candidates, this.options.iouThreshold, this.options.maxDetections);
    const labels = this.manifest.labels;
    return kept.map((c) => ({
      label: labels[c.classId] ?? `class_${c.classId}`,
      classId: c.classId,
      score: c.score,
      box: toSourceBox(c, transform),
    }));
  }
}
