import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Detector } from '../../edge/detect/detector.ts';
import { sha256OfFile } from '../../edge/detect/model-manifest.ts';
import { decodeRgb } from '../../foundation/media/decode-rgb.ts';
import { AnyModelManifestSchema } from '../../foundation/models/manifest-schema.ts';
import { type TrainedVerifier, trainVerifier } from '../../models/tools/train-verifier.ts';
import { DatasetError } from '../../models/tools/verifier-dataset.ts';
import { type DatasetFrame, judgeFrame, writeDataset } from '../eval/feedback-operator.ts';
import { loadGroundTruth } from '../eval/ground-truth.ts';

// Real fixture frames, the team's labels as the reviewer, the shipped detector's boxes.
const FRAMES = [0, 66, 132, 198, 264, 330];

let dir: string;
let trained: TrainedVerifier;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'train-verifier-'));
  const truth = await loadGroundTruth();
  const detector = await Detector.load('nanodet-g-416', { threads: 1 });
  const frames: DatasetFrame[] = [];
  for (const [k, index] of FRAMES.entries()) {
    const labelled = truth.frames.find((f) => f.index === index);
    if (!labelled) throw new Error(`no labelled frame ${index}`);
    const frame = await decodeRgb(labelled.image);
    const v = judgeFrame(await detector.detect(frame), labelled.objects, 'person', 0.35);
    frames.push({
      index,
      frame,
      split: k % 3 === 2 ? 'val' : 'train',
      accepted: [...v.right.map((d) => d.box), ...v.drawn],
      rejected: v.rejected.map((d) => d.box),
      weakAccepted: [],
      weakRejected: [],
    });
  }
  await detector.dispose();
  await writeDataset(path.join(dir, 'dataset'), frames, 'person');
  trained = await trainVerifier({
    dataset: path.join(dir, 'dataset'),
    label: 'person',
    out: path.join(dir, 'small-verifier'),
    precisionGoal: 0.9,
    settings: { epochs: 3 },
    log: () => {},
  });
}, 240_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('npm run models -- train-verifier', () => {
  it('writes a verify manifest that validates, names its file by sha256 and records the data it was trained on', async () => {
    const raw = JSON.parse(await readFile(trained.manifestPath, 'utf8'));
    const manifest = AnyModelManifestSchema.parse(raw);
    expect(manifest.task).toBe('verify');
    if (manifest.task !== 'verify') return;
    expect(manifest.verifies).toEqual(['person']);
    expect(manifest.labels).toEqual(['reject', 'accept']);
    expect(manifest.name).toBe('small-verifier');
    expect(await sha256OfFile(path.join(dir, 'small-verifier', manifest.file))).toBe(manifest.sha256);
    expect(manifest.training.datasetSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(manifest.training.samples.train.accept).toBeGreaterThan(20);
    expect(manifest.training.samples.train.reject).toBeGreaterThan(0);
    expect(manifest.training.samples.val.accept).toBeGreaterThan(0);
    expect(manifest.thresholds.score).toBeGreaterThanOrEqual(0);
    expect(manifest.thresholds.score).toBeLessThanOrEqual(1);
  });

  it('gives an ONNX model onnxruntime runs on a batch of crops, one probability pair per crop', async () => {
    const session = await ort.InferenceSession.create(
      path.join(dir, 'small-verifier', 'small-verifier.onnx'),
    );
    const input = new Float32Array(3 * 3 * 32 * 32).map((_, i) => Math.sin(i));
    const out = await session.run({ input: new ort.Tensor('float32', input, [3, 3, 32, 32]) });
    const probabilities = out.probabilities as ort.Tensor;
    expect(probabilities.dims).toEqual([3, 2]);
    const data = Array.from(probabilities.data as Float32Array);
    for (let k = 0; k < 3; k++)
      expect((data[2 * k] as number) + (data[2 * k + 1] as number)).toBeCloseTo(1, 5);
    await session.release();
  });

  it('trains the same bytes twice from the same dataset and seed', async () => {
    const again = await trainVerifier({
      dataset: path.join(dir, 'dataset'),
      label: 'person',
      out: path.join(dir, 'small-verifier-again'),
      precisionGoal: 0.9,
      settings: { epochs: 1 },
      log: () => {},
    });
    const first = await trainVerifier({
      dataset: path.join(dir, 'dataset'),
      label: 'person',
      out: path.join(dir, 'small-verifier-once-more'),
      precisionGoal: 0.9,
      settings: { epochs: 1 },
      log: () => {},
    });
    expect(again.manifest.sha256).toBe(first.manifest.sha256);
  }, 120_000);

  it('refuses a dataset without boxes of the label, naming the labels it has', async () => {
    await expect(
      trainVerifier({
        dataset: path.join(dir, 'dataset'),
        label: 'bicycle',
        out: path.join(dir, 'none'),
        precisionGoal: 0.9,
        log: () => {},
      }),
    ).rejects.toThrow(/no training sample of "reject", "accept".*labels: person/);
  });

  it('refuses a folder that is not a dataset export, naming the file', async () => {
    const broken = path.join(dir, 'broken');
    await writeDataset(broken, [], 'person');
    await writeFile(path.join(broken, 'annotations', 'instances_train.json'), '{"images": 3}');
    const attempt = trainVerifier({
      dataset: broken,
      label: 'person',
      out: path.join(dir, 'x'),
      precisionGoal: 0.9,
      log: () => {},
    });
    await expect(attempt).rejects.toBeInstanceOf(DatasetError);
    await expect(attempt).rejects.toThrow(/instances_train\.json: not a COCO file/);
  });
});
