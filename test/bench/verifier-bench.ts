import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Detector } from '../../edge/detect/detector.ts';
import type { Detection } from '../../edge/detect/types.ts';
import { Verifier } from '../../edge/verify/verifier.ts';
import { VerifierFilter } from '../../edge/verify/verifier-filter.ts';
import { decodeRgb } from '../../foundation/media/decode-rgb.ts';
import type { RawImage } from '../../foundation/media/frame.ts';
import { trainVerifier } from '../../models/tools/train-verifier.ts';
import { type DatasetFrame, judgeFrame, writeDataset } from '../eval/feedback-operator.ts';
import { loadGroundTruth } from '../eval/ground-truth.ts';
import { percentile, printTable } from './stats.ts';

const VERIFIER = 'vtest-person-verifier';
/** What the edge asks its detector for: ByteTrack's low band up (model-registry.ts). */
const EDGE_DETECT_SCORE = 0.1;
const PASSES = 3;

type Row = (string | number)[];

const sum = (samples: readonly number[]) => samples.reduce((a, b) => a + b, 0);

/**
 * The verifier's cost on the edge against the detector alone, on the 25 labelled vtest frames as
 * RGB: per frame (all person crops of a frame in one inference) and per judged detection; then the
 * time to train one from the labelled frames before t = 40 s with the default settings.
 */
export async function benchVerifier(): Promise<void> {
  const truth = await loadGroundTruth();
  const frames = await Promise.all(truth.frames.map((f) => decodeRgb(f.image)));
  const detector = await Detector.load('nanodet-g-416', { scoreThreshold: EDGE_DETECT_SCORE, threads: 1 });
  const verifier = await Verifier.load(VERIFIER, { threads: 1 });
  const m = verifier.manifest;
  const filter = new VerifierFilter([
    {
      alias: 'verifier',
      labels: m.verifies,
      cropContext: m.cropContext,
      threshold: m.thresholds.score,
      score: (frame, crops) => verifier.acceptScores(crops.map((crop) => ({ image: frame, crop }))),
    },
  ]);
  const detections: Detection[][] = [];
  for (const frame of frames) detections.push(await detector.detect(frame));
  for (const [k, frame] of frames.entries()) await filter.filter(frame, detections[k] ?? []);

  const detectMs: number[] = [];
  const verifyMs: number[] = [];
  let judged = 0;
  for (let pass = 0; pass < PASSES; pass++) {
    for (const frame of frames) {
      let t = performance.now();
      const found = await detector.detect(frame);
      detectMs.push(performance.now() - t);
      t = performance.now();
      await filter.filter(frame, found);
      verifyMs.push(performance.now() - t);
      judged += found.filter((d) => m.verifies.includes(d.label)).length;
    }
  }
  await detector.dispose();
  await verifier.dispose();
  const load = os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  const detectMean = sum(detectMs) / detectMs.length;
  const rows: Row[] = [
    ['stage', 'p50 ms', 'p95 ms', 'mean ms', 'vs detector'],
    ['detector alone (baseline)', percentile(detectMs, 50), percentile(detectMs, 95), detectMean, 1],
    [
      'verifier, per frame',
      percentile(verifyMs, 50),
      percentile(verifyMs, 95),
      sum(verifyMs) / verifyMs.length,
      sum(verifyMs) / sum(detectMs),
    ],
    [
      'verifier, per detection judged',
      '',
      '',
      sum(verifyMs) / judged,
      (sum(verifyMs) / judged / detectMean).toFixed(4),
    ],
  ];
  printTable(
    `verifier ${m.name} (${m.input.width}x${m.input.height}) after nanodet-g-416 on ${frames.length} vtest frames x ${PASSES} passes, one thread each, ${(judged / detectMs.length).toFixed(1)} ${m.verifies.join('/')} detections (score ≥ ${EDGE_DETECT_SCORE}) judged per frame; load average ${load}`,
    rows,
  );
  await benchTraining(truth, frames);
}

async function benchTraining(
  truth: Awaited<ReturnType<typeof loadGroundTruth>>,
  frames: RawImage[],
): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'verifier-bench-'));
  try {
    const detector = await Detector.load('nanodet-g-416');
    const dataset: DatasetFrame[] = [];
    for (const [k, labelled] of truth.frames.entries()) {
      if (labelled.index >= 400) continue;
      const frame = frames[k] as RawImage;
      const v = judgeFrame(await detector.detect(frame), labelled.objects, 'person', 0.35);
      dataset.push({
        index: labelled.index,
        frame,
        split: k % 3 === 2 ? 'val' : 'train',
        accepted: [...v.right.map((d) => d.box), ...v.drawn],
        rejected: v.rejected.map((d) => d.box),
        weakAccepted: [],
        weakRejected: [],
      });
    }
    await detector.dispose();
    await writeDataset(path.join(dir, 'dataset'), dataset, 'person');
    const started = performance.now();
    const trained = await trainVerifier({
      dataset: path.join(dir, 'dataset'),
      label: 'person',
      out: path.join(dir, 'bench-verifier'),
      precisionGoal: 0.95,
      log: () => {},
    });
    const seconds = (performance.now() - started) / 1000;
    const { train } = trained.manifest.training.samples;
    const epochs = trained.trained.epochs.length;
    const crops = Math.max(train.accept, train.reject) * 2 * epochs;
    printTable(
      `training a verifier on the ${dataset.length} labelled vtest frames before t = 40 s (load average ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')})`,
      [
        ['what', 'seconds', 'crops', 'crops/s'],
        ['decode + crop + train + export + validate', seconds, crops, crops / seconds],
        [
          `  of which training (${epochs} epochs, balanced)`,
          trained.trained.seconds.train,
          crops,
          crops / trained.trained.seconds.train,
        ],
      ],
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
