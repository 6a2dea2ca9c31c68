import os from 'node:os';
import * as ort from 'onnxruntime-node';
import type { ModelManifest } from '../../models/manifest-schema.ts';
import { EdgeError } from '../common/errors.ts';
import { createDecoder } from './decoders/index.ts';
import { type LoadedManifest, loadModelManifest } from './model-manifest.ts';
import { nonMaxSuppression } from './nms.ts';
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

function checkInputShape(
  loaded: LoadedManifest,
  session: ort.InferenceSession,
  expected: readonly number[],
): void {
  const { manifest, manifestPath } = loaded;
  const meta = session.inputMetadata.find((m) => m.name === manifest.input.name);
  if (!meta) {
    throw new EdgeError(
      'MODEL_INPUT_MISMATCH',
      `${manifestPath}: input "${manifest.input.name}" is not an input of ${manifest.file} (it has ${session.inputNames.join(', ')})`,
    );
  }
  const actual = meta.isTensor ? meta.shape : [];
  const fits =
    actual.length === expected.length && actual.every((d, k) => typeof d === 'string' || d === expected[k]);
  if (!fits) {
    throw new EdgeError(
      'MODEL_INPUT_MISMATCH',
      `${manifestPath}: input ${manifest.input.layout} ${manifest.input.width}x${manifest.input.height} means shape [${expected.join(', ')}], but ${manifest.file} takes [${actual.join(', ')}]`,
    );
  }
}

function checkOutputs(loaded: LoadedManifest, session: ort.InferenceSession, decoder: Decoder): void {
  const missing = decoder.outputNames.filter((name) => !session.outputNames.includes(name));
  if (missing.length > 0) {
    throw new EdgeError(
      'MODEL_OUTPUT_MISSING',
      `${loaded.manifestPath}: decoder reads ${missing.join(', ')}, which ${loaded.manifest.file} does not output (it has ${session.outputNames.join(', ')})`,
    );
  }
}

/**
 * One model, one onnxruntime session and one reused input tensor. Calls to `detect` run one at a
 * time in call order. Overlapping the next image's preprocessing with the current inference was
 * measured slower on a 2-core box (the preprocessing competes with onnxruntime's threads).
 */
export class Detector {
  private queue: Promise<unknown> = Promise.resolve();
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
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(loaded.modelPath, {
        intraOpNumThreads: options.threads ?? os.availableParallelism(),
        interOpNumThreads: 1,
        graphOptimizationLevel: 'all',
        executionMode: 'sequential',
        logSeverityLevel: 3,
      });
    } catch (error) {
      throw new EdgeError('MODEL_LOAD_FAILED', `${loaded.modelPath}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    checkInputShape(loaded, session, inputDims(manifest.input));
    const decoder = createDecoder(manifest.decoder);
    checkOutputs(loaded, session, decoder);
    return new Detector(loaded, session, decoder, {
      scoreThreshold: options.scoreThreshold ?? manifest.thresholds.score,
      iouThreshold: options.iouThreshold ?? manifest.thresholds.iou,
      maxDetections: options.maxDetections ?? manifest.thresholds.maxDetections,
    });
  }

  get manifest(): ModelManifest {
    return this.loaded.manifest;
  }

  /** Detections in the source image's pixel coordinates, best first. */
  detect(source: ImageSource, overrides: DetectOverrides = {}): Promise<Detection[]> {
    return this.enqueue(async () => {
      const transform = await this.preprocessor.load(source);
      return this.postprocess(await this.infer(), transform, overrides);
    });
  }

  /** Runs the session alone on whatever the input tensor holds: the baseline for benchmarks. */
  runInference(): Promise<ModelOutputs> {
    return this.enqueue(() => this.infer());
  }

  /** Fills the input tensor without running the model (benchmarks time the two apart). */
  async preprocess(source: ImageSource): Promise<void> {
    await this.enqueue(() => this.preprocessor.load(source));
  }

  async dispose(): Promise<void> {
    await this.queue;
    await this.session.release();
  }

  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task);
    this.queue = run.catch(() => undefined);
    return run;
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
