import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ModelManifestSchema } from '../../foundation/models/manifest-schema.ts';
import { CARGO_LABELS } from './synthetic-cargo.ts';
import { tinyCnnToOnnx } from './tiny-cnn-onnx.ts';
import {
  type MuckTrainingSettings,
  type TrainingReport,
  trainMuckClassifier,
} from './train-muck-classifier.ts';

/**
 * Trains the covered/uncovered muck-truck load classifier on procedurally generated crops
 * (models/tools/synthetic-cargo.ts), checks it on a held-out set drawn with another seed, and
 * writes models/muck-cover-cls/muck-cover-cls.onnx and its manifest.
 */

const here = path.dirname(fileURLToPath(import.meta.url));
export const MUCK_DIR = path.resolve(here, '..', 'muck-cover-cls');

export const MUCK_TRAINING: Readonly<MuckTrainingSettings> = {
  seed: 20_240_611,
  count: 6000,
  heldOutSeed: 90_210,
  heldOutCount: 1000,
  epochs: 6,
  batch: 32,
  learningRate: 3e-3,
  weightDecay: 1e-4,
  size: 64,
  convs: [
    { out: 12, stride: 2 },
    { out: 24, stride: 2 },
    { out: 32, stride: 2 },
    { out: 32, stride: 1 },
  ],
  workers: 2,
};

export function muckManifest(report: TrainingReport, sha256: string): Record<string, unknown> {
  const s = report.settings;
  const kinds = Object.entries(report.heldOut.byKind)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k} ${v.accuracy}`)
    .join(', ');
  const manifest = {
    name: 'muck-cover-cls',
    version: '0.1.0',
    task: 'classify',
    file: 'muck-cover-cls.onnx',
    sha256,
    input: {
      name: 'input',
      width: s.size,
      height: s.size,
      layout: 'NCHW',
      pixelFormat: 'RGB',
      mean: report.mean,
      std: report.std,
      resize: 'stretch',
      padValue: 0,
    },
    decoder: { type: 'classifier', output: 'probabilities', outputIsProbabilities: true },
    labels: [...CARGO_LABELS],
    thresholds: { score: 0.5 },
    licence: {
      spdx: 'MIT',
      text: 'Weights trained in this repository from random initialisation on its own procedurally generated images; MIT, as the repository (package.json).',
    },
    provenance: {
      source: `synthetic only: ${s.count} procedurally generated 64x64 crops (half covered, half uncovered) from models/tools/synthetic-cargo.ts, seed ${s.seed}; no real image was used`,
      upstream: 'none: a 4-layer CNN trained from scratch here; no pre-trained weights',
      conversion: `npm run models:build:muck (models/tools/build-muck-classifier.ts): plain-TypeScript training (Adam, ${s.epochs} epochs, batch ${s.batch}), written as ONNX opset 17 with onnx-proto`,
      notes: `Held-out synthetic accuracy ${report.heldOut.accuracy} on ${report.heldOut.count} crops of seed ${s.heldOutSeed} (by kind: ${kinds}); training-set accuracy ${report.trainAccuracy}. Never evaluated on real footage: it has never seen a real truck. Expected to fail on: real camera footage in general, dusk/night/IR, wet or frozen loads, tarps in soil-like colours, partial covers, loads seen from the side, crops that miss the load bed. A reference model to exercise the pipeline, not one to deploy.`,
    },
  };
  ModelManifestSchema.parse(manifest);
  return manifest;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      count: { type: 'string' },
      epochs: { type: 'string' },
      'held-out': { type: 'string' },
      out: { type: 'string' },
    },
  });
  const settings: MuckTrainingSettings = {
    ...MUCK_TRAINING,
    count: values.count ? Number(values.count) : MUCK_TRAINING.count,
    epochs: values.epochs ? Number(values.epochs) : MUCK_TRAINING.epochs,
    heldOutCount: values['held-out'] ? Number(values['held-out']) : MUCK_TRAINING.heldOutCount,
  };
  const outDir = path.resolve(values.out ?? MUCK_DIR);
  const { net, report } = await trainMuckClassifier(settings);
  const onnxBytes = tinyCnnToOnnx(net, {
    inputName: 'input',
    outputName: 'probabilities',
    docString: `muck-cover-cls: covered/uncovered truck loads, trained on synthetic textures only (seed ${settings.seed}); see manifest.json`,
  });
  const sha256 = createHash('sha256').update(onnxBytes).digest('hex');
  await mkdir(outDir, { recursive: true });
  await writeFile(path.join(outDir, 'muck-cover-cls.onnx'), onnxBytes);
  await writeFile(
    path.join(outDir, 'manifest.json'),
    `${JSON.stringify(muckManifest(report, sha256), null, 2)}\n`,
  );
  await writeFile(path.join(outDir, 'training-report.json'), `${JSON.stringify(report, null, 2)}\n`);
  console.log(JSON.stringify({ ...report, settings: undefined }, null, 2));
  console.log(
    `wrote ${path.join(outDir, 'muck-cover-cls.onnx')} (${onnxBytes.length} bytes, sha256 ${sha256})`,
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  await main();
}
