import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  ModelManifestSchema,
  type VerifierManifest,
  VerifierManifestSchema,
} from '../../foundation/models/manifest-schema.ts';
import {
  type CropTrainingSettings,
  type TrainedCropClassifier,
  trainCropClassifier,
} from './train-crop-classifier.ts';
import {
  attributeSamples,
  type CocoDatasetBoxes,
  type CropSample,
  DatasetError,
  readCocoDataset,
  verifierSamples,
} from './verifier-dataset.ts';
import { chooseThreshold } from './verifier-threshold.ts';

/**
 * `npm run models -- train-verifier` and `train-classifier`: a reviewed dataset in, a model folder
 * out (the ONNX file, its manifest, training-report.json). Deterministic for a seed: the same
 * dataset and settings give the same bytes.
 */

export const VERIFIER_CLASSES = ['reject', 'accept'] as const;

export const DEFAULT_CROP_TRAINING: Omit<CropTrainingSettings, 'classes' | 'region'> = {
  seed: 20_250_615,
  size: 32,
  convs: [
    { out: 16, stride: 2 },
    { out: 32, stride: 2 },
    { out: 32, stride: 1 },
  ],
  epochs: 24,
  batch: 32,
  learningRate: 3e-3,
  weightDecay: 1e-4,
  cropContext: 0.1,
  jitter: 0.08,
};

export interface TrainVerifierOptions {
  dataset: string;
  label: string;
  out: string;
  precisionGoal: number;
  settings?: Partial<CropTrainingSettings>;
  log?: (line: string) => void;
}

const LICENCE = {
  spdx: 'MIT',
  text: "Weights trained in this repository from random initialisation on the site's own reviewed images; MIT, as the repository (package.json).",
};

/**
 * The validation part as exported, or, when it lacks a class, a fifth of the training images
 * (by a hash of the image's name, so every box of an image lands in the same part).
 */
function withValidation(samples: CropSample[], classes: number): { samples: CropSample[]; carved: boolean } {
  const reviewedVal = samples.filter((s) => s.split === 'val' && !s.weak);
  if (Array.from({ length: classes }, (_, c) => reviewedVal.some((s) => s.cls === c)).every(Boolean)) {
    return { samples, carved: false };
  }
  const carved = samples.map((s): CropSample => {
    const byte = createHash('sha256').update(path.basename(s.image)).digest()[0] as number;
    return { ...s, split: byte < 51 ? 'val' : 'train' };
  });
  return { samples: carved, carved: true };
}

async function readDataset(dir: string): Promise<CocoDatasetBoxes> {
  try {
    return await readCocoDataset(dir);
  } catch (error) {
    if (error instanceof DatasetError) throw error;
    throw new DatasetError(`${dir}: ${(error as Error).message}`);
  }
}

function refuseEmpty(
  samples: readonly CropSample[],
  classes: readonly string[],
  dataset: CocoDatasetBoxes,
  what: string,
): void {
  const missing = classes.filter((_, c) => !samples.some((s) => s.cls === c && s.split === 'train'));
  if (missing.length > 0) {
    throw new DatasetError(
      `${what}: no training sample of ${missing.map((m) => `"${m}"`).join(', ')} (the dataset's labels: ${dataset.labels.join(', ') || 'none'})`,
    );
  }
}

async function writeModel(out: string, onnx: Uint8Array, manifest: object, report: object): Promise<string> {
  await mkdir(out, { recursive: true });
  const name = path.basename(out);
  await writeFile(path.join(out, `${name}.onnx`), onnx);
  await writeFile(path.join(out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  await writeFile(path.join(out, 'training-report.json'), `${JSON.stringify(report, null, 2)}\n`);
  return path.join(out, 'manifest.json');
}

function inputOf(trained: TrainedCropClassifier, size: number) {
  return {
    name: 'input',
    width: size,
    height: size,
    layout: 'NCHW' as const,
    pixelFormat: 'RGB' as const,
    mean: trained.mean,
    std: trained.std,
    resize: 'stretch' as const,
    padValue: 0,
  };
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const round = (v: number | null) => (v === null ? null : Math.round(v * 10_000) / 10_000);

export interface TrainedVerifier {
  manifestPath: string;
  manifest: VerifierManifest;
  trained: TrainedCropClassifier;
  carvedValidation: boolean;
}

/** Trains a verifier of detections of `label` and writes it under `out` (its folder name is the model's name). */
export async function trainVerifier(options: TrainVerifierOptions): Promise<TrainedVerifier> {
  const log = options.log ?? console.log;
  const dataset = await readDataset(options.dataset);
  const { samples, carved } = withValidation(verifierSamples(dataset, options.label), 2);
  refuseEmpty(samples, VERIFIER_CLASSES, dataset, `${options.dataset}: label "${options.label}"`);
  if (carved)
    log(
      'the validation part lacks accepted or rejected boxes: a fifth of the training images is held out instead',
    );
  const settings: CropTrainingSettings = {
    ...DEFAULT_CROP_TRAINING,
    ...options.settings,
    classes: VERIFIER_CLASSES,
    region: [0, 0, 1, 1],
  };
  const trained = await trainCropClassifier(samples, settings, log);
  const scored = trained.validation.map((v) => ({
    score: v.probabilities[1] as number,
    positive: v.cls === 1,
  }));
  const choice = chooseThreshold(scored, options.precisionGoal);
  const name = path.basename(options.out);
  const weak = samples.filter((s) => s.weak).length;
  const manifest = VerifierManifestSchema.parse({
    name,
    version: `1.0.0+${dataset.sha256.slice(0, 12)}`,
    task: 'verify',
    file: `${name}.onnx`,
    sha256: sha256(trained.onnx),
    input: inputOf(trained, settings.size),
    decoder: { type: 'classifier', output: 'probabilities', outputIsProbabilities: true },
    labels: [...VERIFIER_CLASSES],
    verifies: [options.label],
    cropContext: settings.cropContext,
    thresholds: { score: round(choice.threshold) },
    training: {
      datasetSha256: dataset.sha256,
      seed: settings.seed,
      samples: {
        train: { accept: trained.counts.train[1], reject: trained.counts.train[0] },
        val: { accept: trained.counts.val[1], reject: trained.counts.val[0] },
      },
      validation: {
        precisionGoal: options.precisionGoal,
        precision: round(choice.precision),
        recall: round(choice.recall),
      },
    },
    licence: LICENCE,
    provenance: {
      source: `reviewed boxes of "${options.label}" in the COCO dataset at ${options.dataset} (sha256 ${dataset.sha256}): accepted = annotations of the label, rejected = AI boxes reviewers rejected or relabelled${weak > 0 ? `; ${weak} boxes marked weak (not reviewed) were used in training only` : ''}`,
      upstream: 'none: a 3-layer CNN trained from scratch; no pre-trained weights',
      conversion: `npm run models -- train-verifier (models/tools/train-verifier.ts): plain-TypeScript training (AdamW, ${settings.epochs} epochs, batch ${settings.batch}, jitter ${settings.jitter}, mirrored crops), ONNX opset 17 with onnx-proto`,
      notes: `Threshold ${round(choice.threshold)} chosen on ${carved ? 'a fifth of the training images held out (the export had no validation boxes of both kinds)' : 'the validation part'} for precision ≥ ${options.precisionGoal}: ${choice.goalMet ? 'met' : 'NOT met (best F1 instead)'}; validation precision ${round(choice.precision)}, recall ${round(choice.recall)}. Judges only what it was shown: one camera's scene.`,
    },
  });
  const report = {
    settings,
    counts: trained.counts,
    epochs: trained.epochs,
    threshold: choice,
    carvedValidation: carved,
    parameters: trained.parameters,
    seconds: trained.seconds,
  };
  const manifestPath = await writeModel(options.out, trained.onnx, manifest, report);
  log(
    `wrote ${manifestPath}: threshold ${manifest.thresholds.score}, validation precision ${round(choice.precision)} recall ${round(choice.recall)}`,
  );
  return { manifestPath, manifest, trained, carvedValidation: carved };
}

export interface TrainClassifierOptions {
  dataset: string;
  label: string;
  attribute: string;
  classes: readonly string[];
  region: readonly [number, number, number, number];
  out: string;
  settings?: Partial<CropTrainingSettings>;
  log?: (line: string) => void;
}

/** Trains a `classify` model (e.g. the muck-cover classifier) from an attribute of the boxes of `label`. */
export async function trainAttributeClassifier(options: TrainClassifierOptions) {
  const log = options.log ?? console.log;
  const dataset = await readDataset(options.dataset);
  const found = attributeSamples(dataset, options.label, options.attribute, options.classes);
  const { samples, carved } = withValidation(found, options.classes.length);
  refuseEmpty(
    samples,
    options.classes,
    dataset,
    `${options.dataset}: "${options.label}" boxes by attribute "${options.attribute}"`,
  );
  const settings: CropTrainingSettings = {
    ...DEFAULT_CROP_TRAINING,
    size: 64,
    cropContext: 0,
    ...options.settings,
    classes: options.classes,
    region: options.region,
  };
  const trained = await trainCropClassifier(samples, settings, log);
  const correct = trained.validation.filter(
    (v) => v.probabilities.indexOf(Math.max(...v.probabilities)) === v.cls,
  ).length;
  const accuracy = trained.validation.length > 0 ? correct / trained.validation.length : null;
  const name = path.basename(options.out);
  const manifest = ModelManifestSchema.parse({
    name,
    version: `1.0.0+${dataset.sha256.slice(0, 12)}`,
    task: 'classify',
    file: `${name}.onnx`,
    sha256: sha256(trained.onnx),
    input: inputOf(trained, settings.size),
    decoder: { type: 'classifier', output: 'probabilities', outputIsProbabilities: true },
    labels: [...options.classes],
    thresholds: { score: 0.5 },
    licence: LICENCE,
    provenance: {
      source: `"${options.label}" boxes of the COCO dataset ${path.basename(path.resolve(options.dataset))} (sha256 ${dataset.sha256}) by their attribute "${options.attribute}", region [${options.region.join(', ')}] of each box`,
      upstream: 'none: a CNN trained from scratch; no pre-trained weights',
      conversion: `npm run models -- train-classifier (models/tools/train-verifier.ts): plain-TypeScript training (AdamW, ${settings.epochs} epochs), ONNX opset 17 with onnx-proto`,
      notes: `Validation accuracy ${round(accuracy)} on ${trained.validation.length} boxes (${carved ? 'a fifth of the training images held out' : 'the validation part'}); train ${trained.counts.train.join('/')}, val ${trained.counts.val.join('/')} (${options.classes.join('/')}).`,
    },
  });
  const report = {
    settings,
    counts: trained.counts,
    epochs: trained.epochs,
    validationAccuracy: accuracy,
    carvedValidation: carved,
    seconds: trained.seconds,
  };
  const manifestPath = await writeModel(options.out, trained.onnx, manifest, report);
  log(`wrote ${manifestPath}: validation accuracy ${round(accuracy)}`);
  return { manifestPath, manifest, trained, accuracy };
}
