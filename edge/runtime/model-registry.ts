import os from 'node:os';
import type { Box, RawImage } from '../../foundation/media/frame.ts';
import { Classifier } from '../classify/classifier.ts';
import type { CameraConfig } from '../config/camera-schema.ts';
import type { EdgeConfig } from '../config/edge-config-schema.ts';
import { Detector } from '../detect/detector.ts';
import { InferenceScheduler, type SchedulerStats } from '../detect/inference-scheduler.ts';
import { mergeDetections } from '../detect/merge-detections.ts';
import { loadModelManifest } from '../detect/model-manifest.ts';
import type { Detection } from '../detect/types.ts';
import { EdgeError } from '../errors.ts';
import type { CameraModels } from '../pipeline/build-camera-pipeline.ts';
import type { CropScores } from '../rules/scenario-rule.ts';
import { scenarioClassifiers, scenarioPlateModels } from '../scenarios/registry.ts';
import { PlateModels } from './plate-models.ts';
import { VerifierModels } from './verifier-models.ts';

/** A model of the status's `models[]`. */
export interface LoadedModel {
  alias: string;
  name: string;
  version: string;
  sha256: string;
  task: string;
  mode: 'active' | 'shadow';
}

interface DetectJob {
  frame: RawImage;
  scoreThreshold: number;
}

interface ClassifyJob {
  frame: RawImage;
  crop: Box;
}

interface LoadedDetector {
  alias: string;
  detector: Detector;
  scheduler: InferenceScheduler<DetectJob, Detection[]>;
}

interface LoadedClassifier {
  alias: string;
  classifier: Classifier;
  scheduler: InferenceScheduler<ClassifyJob, CropScores>;
}

/** Detections from ByteTrack's low band up are kept: weak ones keep existing tracks alive. */
const DEFAULT_DETECT_SCORE = 0.1;
/** Most crops one classifier session call takes. */
const CLASSIFIER_BATCH = 8;

/**
 * The models an edge box runs, loaded once each, whatever number of cameras use them. Every model
 * sits behind one inference scheduler shared by all cameras: one onnxruntime session, served
 * round-robin, a camera's newer frame replacing its older one still waiting.
 */
export class ModelRegistry {
  private constructor(
    private readonly detectors: ReadonlyMap<string, LoadedDetector>,
    private readonly classifiers: ReadonlyMap<string, LoadedClassifier>,
    /** The manifest each alias was loaded from. */
    private readonly refs: ReadonlyMap<string, string>,
    private readonly plates?: PlateModels,
    private readonly verifiers?: VerifierModels,
  ) {}

  /**
   * Loads every model the cameras use (and only those). A camera's `models` must be detectors and
   * a muck-truck scenario's `classifier` a classifier; either mistake refuses to start. With
   * `reuse` (the registry of the configuration running now), a model whose alias names the same
   * manifest there is taken over, not loaded again; see `disposeReplaced`.
   */
  static async load(
    config: Readonly<EdgeConfig>,
    options: { threads?: number; reuse?: ModelRegistry } = {},
  ): Promise<ModelRegistry> {
    const threads = options.threads ?? os.availableParallelism();
    const previous = options.reuse;
    const detectorAliases = new Set(config.cameras.flatMap((camera) => camera.models));
    const classifierAliases = new Set(
      config.cameras.flatMap((camera) => camera.scenarios.flatMap((s) => scenarioClassifiers(s))),
    );
    const refs = new Map(Object.entries(config.models).map(([alias, ref]) => [alias, ref.manifest]));
    const kept = (alias: string) => previous !== undefined && previous.refs.get(alias) === refs.get(alias);
    const detectors = new Map<string, LoadedDetector>();
    const classifiers = new Map<string, LoadedClassifier>();
    const fresh = {
      detectors: new Map<string, LoadedDetector>(),
      classifiers: new Map<string, LoadedClassifier>(),
    };
    let plates: PlateModels | undefined;
    let verifiers: VerifierModels | undefined;
    try {
      for (const alias of detectorAliases) {
        const reused = kept(alias) ? previous?.detectors.get(alias) : undefined;
        if (reused) {
          detectors.set(alias, reused);
          continue;
        }
        const loaded = await loadModelManifest(manifestRef(config, alias));
        if (loaded.manifest.task !== 'detect') throw wrongTask(alias, loaded.manifest.task, 'a detector');
        const detector = await Detector.fromManifest(loaded, { threads });
        const scheduler = new InferenceScheduler<DetectJob, Detection[]>(
          (jobs) =>
            Promise.all(
              jobs.map((job) => detector.detect(job.frame, { scoreThreshold: job.scoreThreshold })),
            ),
          { maxBatch: 1 },
        );
        detectors.set(alias, { alias, detector, scheduler });
        fresh.detectors.set(alias, { alias, detector, scheduler });
      }
      for (const alias of classifierAliases) {
        const reused = kept(alias) ? previous?.classifiers.get(alias) : undefined;
        if (reused) {
          classifiers.set(alias, reused);
          continue;
        }
        const loaded = await loadModelManifest(manifestRef(config, alias));
        if (loaded.manifest.task !== 'classify') throw wrongTask(alias, loaded.manifest.task, 'a classifier');
        const classifier = await Classifier.fromManifest(loaded, { threads });
        // Crops from several cameras go through in one session call when the model allows it.
        const scheduler = new InferenceScheduler<ClassifyJob, CropScores>(
          (jobs) => classifier.classifyBatch(jobs.map((job) => ({ image: job.frame, crop: job.crop }))),
          { maxBatch: classifier.dynamicBatch ? CLASSIFIER_BATCH : 1 },
        );
        classifiers.set(alias, { alias, classifier, scheduler });
        fresh.classifiers.set(alias, { alias, classifier, scheduler });
      }
      const plateAliases = plateAliasesOf(config);
      plates =
        previous && plateAliases.every(kept) && sameMembers(plateAliases, previous.plateAliases)
          ? previous.plates
          : await PlateModels.load(config, (alias) => manifestRef(config, alias), threads);
      const verifierAliases = [...new Set(config.cameras.flatMap((camera) => camera.verifiers))];
      verifiers =
        previous && verifierAliases.every(kept) && sameMembers(verifierAliases, previous.verifierAliases)
          ? previous.verifiers
          : await VerifierModels.load(config, (alias) => manifestRef(config, alias), threads);
    } catch (error) {
      await new ModelRegistry(fresh.detectors, fresh.classifiers, refs).dispose();
      if (plates !== previous?.plates) await plates?.dispose();
      throw error;
    }
    const registry = new ModelRegistry(detectors, classifiers, refs, plates, verifiers);
    registry.plateAliases = plateAliasesOf(config);
    registry.verifierAliases = [...new Set(config.cameras.flatMap((camera) => camera.verifiers))];
    return registry;
  }

  private plateAliases: readonly string[] = [];
  private verifierAliases: readonly string[] = [];

  /**
   * Whether a camera would run on the very same loaded models here as in `other`: every detector,
   * classifier, verifier and OCR model it uses is the same object. A camera for which this holds
   * and whose config is unchanged keeps running through a change of configuration.
   */
  sameModelsFor(camera: Readonly<CameraConfig>, other: ModelRegistry): boolean {
    const classifierAliases = camera.scenarios.flatMap((s) => scenarioClassifiers(s));
    const usesPlates = camera.scenarios.some((s) => scenarioPlateModels(s).length > 0);
    return (
      camera.models.every((alias) => this.detectors.get(alias) === other.detectors.get(alias)) &&
      classifierAliases.every((alias) => this.classifiers.get(alias) === other.classifiers.get(alias)) &&
      (camera.verifiers.length === 0 || this.verifiers === other.verifiers) &&
      (!usesPlates || this.plates === other.plates)
    );
  }

  /** Frees the models of this registry that `next` did not take over (once no camera uses them). */
  async disposeReplaced(next: ModelRegistry): Promise<void> {
    for (const [alias, { detector, scheduler }] of this.detectors) {
      if (next.detectors.get(alias)?.detector === detector) continue;
      await scheduler.close();
      await detector.dispose();
    }
    for (const [alias, { classifier, scheduler }] of this.classifiers) {
      if (next.classifiers.get(alias)?.classifier === classifier) continue;
      await scheduler.close();
      await classifier.dispose();
    }
    if (this.plates !== next.plates) await this.plates?.dispose();
    if (this.verifiers !== next.verifiers) await this.verifiers?.dispose();
  }

  /** The size a camera's frames are analysed at: its `detect` size, else its first detector's input. */
  frameSize(camera: Readonly<CameraConfig>): { width: number; height: number } {
    if (camera.detect) return camera.detect;
    const { input } = this.detector(camera.models[0] as string).detector.manifest;
    return { width: input.width, height: input.height };
  }

  forCamera(camera: Readonly<CameraConfig>): CameraModels {
    const detectors = camera.models.map((alias) => this.detector(alias));
    const first = (detectors[0] as LoadedDetector).detector.manifest;
    const scoreThreshold = camera.tracker.lowScore ?? DEFAULT_DETECT_SCORE;
    return {
      model: { name: first.name, version: first.version, sha256: first.sha256 },
      minScore: first.thresholds.score,
      detect: async (frame) => {
        const results = await Promise.all(
          detectors.map(({ scheduler }) => scheduler.submit(camera.id, { frame, scoreThreshold })),
        );
        return results.length === 1 ? (results[0] as Detection[]) : mergeDetections(results);
      },
      classifier: (alias) => {
        const { scheduler } = this.classifier(alias);
        return (frame, crop) => scheduler.submit(camera.id, { frame, crop });
      },
      verifiers: this.verifiers?.forCamera(camera) ?? [],
      plateReader: (settings) => {
        if (!this.plates) throw new Error('no OCR models were loaded for plates');
        return this.plates.reader(camera.id, settings);
      },
    };
  }

  /** Each model loaded, by alias, as the status lists it (OCR models aside). */
  loaded(): LoadedModel[] {
    const entries = [...this.detectors.values()].map(({ alias, detector }) => ({
      alias,
      ...detector.manifest,
    }));
    entries.push(
      ...[...this.classifiers.values()].map(({ alias, classifier }) => ({ alias, ...classifier.manifest })),
    );
    return [
      ...entries.map(({ alias, name, version, sha256, task }) => ({
        alias,
        name,
        version,
        sha256,
        task,
        mode: 'active' as const,
      })),
      ...(this.verifiers?.loaded() ?? []),
    ];
  }

  /** Per model: its scheduler's counters. */
  stats(): Record<string, SchedulerStats> {
    const entries = [...this.detectors.values(), ...this.classifiers.values()];
    return {
      ...Object.fromEntries(entries.map((m) => [m.alias, m.scheduler.stats()])),
      ...this.plates?.stats(),
      ...this.verifiers?.stats(),
    };
  }

  async dispose(): Promise<void> {
    for (const { detector, scheduler } of this.detectors.values()) {
      await scheduler.close();
      await detector.dispose();
    }
    for (const { classifier, scheduler } of this.classifiers.values()) {
      await scheduler.close();
      await classifier.dispose();
    }
    await this.plates?.dispose();
    await this.verifiers?.dispose();
  }

  private detector(alias: string): LoadedDetector {
    const found = this.detectors.get(alias);
    if (!found) throw new Error(`model "${alias}" was not loaded as a detector`);
    return found;
  }

  private classifier(alias: string): LoadedClassifier {
    const found = this.classifiers.get(alias);
    if (!found) throw new Error(`model "${alias}" was not loaded as a classifier`);
    return found;
  }
}

function plateAliasesOf(config: Readonly<EdgeConfig>): string[] {
  const aliases = config.cameras.flatMap((camera) => camera.scenarios.flatMap((s) => scenarioPlateModels(s)));
  return [...new Set(aliases.filter((alias) => alias))];
}

function sameMembers(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((alias) => b.includes(alias));
}

function manifestRef(config: Readonly<EdgeConfig>, alias: string): string {
  const ref = config.models[alias];
  if (!ref) throw new EdgeError('CONFIG_INVALID', `no model with alias "${alias}"`);
  // A manifest path was made absolute when the config was loaded; loadModelManifest resolves names.
  return ref.manifest;
}

function wrongTask(alias: string, task: string, wanted: string): EdgeError {
  return new EdgeError(
    'MODEL_TASK_MISMATCH',
    `model "${alias}" is a ${task === 'classify' ? 'classifier' : 'detector'}, but it is used as ${wanted}`,
  );
}
