import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Detector } from '../../edge/detect/detector.ts';
import { type LoadedManifest, loadModelManifest } from '../../edge/detect/model-manifest.ts';
import type { ModelManifest } from '../../foundation/models/manifest-schema.ts';
import { type ClassEvaluation, evaluateDetections, type FramePrediction } from './average-precision.ts';
import { runDroneEval } from './drone-eval.ts';
import { runFeedbackEval } from './feedback-eval.ts';
import { loadGroundTruth } from './ground-truth.ts';
import { runOccupationEval } from './occupation-eval.ts';
import { runPlateEval } from './plate-eval.ts';
import { writePrCurvePng } from './pr-curve-image.ts';

/**
 * `npm run eval`: quality figures on the fixtures. `detector`: precision, recall and AP50 per class
 * of the shipped detector on the team's labelled vtest frames, beside variants that show why the
 * manifest is what it is; `drone`: the drone flights. `npm run eval -- drone` runs only those named.
 */

const OUT_DIR = 'out/eval';
const EVAL_SCORE_FLOOR = 0.05;
const VEHICLES = { car: 'vehicle', truck: 'vehicle', bus: 'vehicle' };

interface Variant {
  name: string;
  describe: string;
  change: (m: ModelManifest) => ModelManifest;
}

const VARIANTS: Variant[] = [
  {
    name: 'shipped',
    describe: 'manifest as shipped: BGR mean/std, stretch, softmax expectation',
    change: (m) => m,
  },
  {
    name: 'tfjs-style',
    describe: 'as the TF.js library feeds it: RGB/255 and arg-max bin',
    change: (m) => ({
      ...m,
      input: { ...m.input, pixelFormat: 'RGB', mean: [0, 0, 0], std: [255, 255, 255] },
      decoder: m.decoder.type === 'nanodet' ? { ...m.decoder, boxDecoding: 'argmax' } : m.decoder,
    }),
  },
  {
    name: 'argmax-bins',
    describe: 'shipped preprocessing, arg-max bin instead of expectation',
    change: (m) => ({
      ...m,
      decoder: m.decoder.type === 'nanodet' ? { ...m.decoder, boxDecoding: 'argmax' } : m.decoder,
    }),
  },
  {
    name: 'letterbox',
    describe: 'shipped, but letterboxed instead of stretched',
    change: (m) => ({ ...m, input: { ...m.input, resize: 'letterbox', padValue: 0 } }),
  },
];

async function predict(
  loaded: LoadedManifest,
  images: { index: number; image: string }[],
): Promise<FramePrediction[]> {
  const detector = await Detector.fromManifest(loaded, { scoreThreshold: EVAL_SCORE_FLOOR });
  const predictions: FramePrediction[] = [];
  for (const { index, image } of images)
    predictions.push({ index, detections: await detector.detect(image) });
  await detector.dispose();
  return predictions;
}

const fmt = (v: number) => (Number.isNaN(v) ? '  n/a' : v.toFixed(3));

function printTable(title: string, rows: ClassEvaluation[]): void {
  console.log(`\n${title}`);
  console.log('class        truths  ignored  preds   AP50   precision  recall   TP   FP');
  for (const r of rows) {
    console.log(
      `${r.label.padEnd(12)} ${String(r.truths).padStart(6)} ${String(r.ignored).padStart(8)} ${String(r.predictions).padStart(6)}  ${fmt(r.ap50)}  ${fmt(r.precision).padStart(9)}  ${fmt(r.recall).padStart(6)} ${String(r.truePositives).padStart(4)} ${String(r.falsePositives).padStart(4)}`,
    );
  }
}

async function evalDetector(): Promise<void> {
  const truth = await loadGroundTruth();
  const base = await loadModelManifest('nanodet-g-416');
  const operatingScore = base.manifest.thresholds.score;
  const frames = truth.frames.map((f) => ({ index: f.index, objects: f.objects }));
  const images = truth.frames.map((f) => ({ index: f.index, image: f.image }));
  const classes = truth.classes.filter((c) => truth.frames.some((f) => f.objects.some((o) => o.label === c)));
  console.log(
    `ground truth: ${truth.frames.length} frames of ${truth.video}, classes ${classes.join(', ')}; IoU 0.5; P/R at score ≥ ${operatingScore}`,
  );

  const summary: string[] = [];
  for (const variant of VARIANTS) {
    const loaded = { ...base, manifest: variant.change(base.manifest) };
    const predictions = await predict(loaded, images);
    const perClass = evaluateDetections(frames, predictions, { classes, operatingScore });
    const merged = evaluateDetections(frames, predictions, {
      classes: ['person', 'vehicle'],
      operatingScore,
      labelMap: VEHICLES,
    });
    const rows = [...perClass.classes, ...merged.classes.filter((c) => c.label === 'vehicle')];
    printTable(`${variant.name}: ${variant.describe}`, rows);
    const person = rows.find((r) => r.label === 'person');
    const vehicle = rows.find((r) => r.label === 'vehicle');
    summary.push(
      `${variant.name.padEnd(12)} person AP50 ${fmt(person?.ap50 ?? Number.NaN)}  vehicle AP50 ${fmt(vehicle?.ap50 ?? Number.NaN)}  mAP50 (per class) ${fmt(perClass.meanAp50)}`,
    );
    if (variant.name === 'shipped') {
      await mkdir(OUT_DIR, { recursive: true });
      const file = path.join(OUT_DIR, 'pr-curve-vtest.png');
      const curves = rows
        .filter((r) => r.truths > 0)
        .map((r) => ({ ...r.curve, label: r.label, ap50: r.ap50 }));
      await writePrCurvePng(
        file,
        curves,
        `${base.manifest.name} on vtest (${truth.frames.length} frames), IoU 0.5`,
      );
      console.log(`PR curves written to ${file}`);
    }
  }
  console.log('\nsummary');
  for (const line of summary) console.log(`  ${line}`);
}

const EVALS: Record<string, () => Promise<unknown>> = {
  detector: evalDetector,
  drone: runDroneEval,
  feedback: runFeedbackEval,
  occupation: runOccupationEval,
  plates: runPlateEval,
};
const chosen = process.argv.slice(2);
const unknown = chosen.filter((name) => !(name in EVALS));
if (unknown.length > 0) {
  console.error(`no eval ${unknown.join(', ')}; the evals: ${Object.keys(EVALS).join(', ')}`);
  process.exit(2);
}
for (const [name, run] of Object.entries(EVALS)) {
  if (chosen.length === 0 || chosen.includes(name)) await run();
}
