import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Classifier, toClassification } from '../../edge/classify/classifier.ts';
import { createDecoder } from '../../edge/detect/decoders/index.ts';
import { Detector } from '../../edge/detect/detector.ts';
import { MODELS_DIR } from '../../edge/detect/model-manifest.ts';
import { EdgeError } from '../../edge/errors.ts';
import type { RawImage } from '../../foundation/media/frame.ts';

const MUCK_DIR = path.join(MODELS_DIR, 'muck-cover-cls');
const NANODET_DIR = path.join(MODELS_DIR, 'nanodet-g-416');

async function refusal(load: Promise<unknown>): Promise<EdgeError> {
  const error: unknown = await load.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(EdgeError);
  return error as EdgeError;
}

/** A picture with a bright left half and a dark right half. */
function testImage(width: number, height: number): RawImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      data.fill(x < width / 2 ? 200 : (x * 7 + y * 13) % 256, (y * width + x) * 3, (y * width + x) * 3 + 3);
  return { data, width, height };
}

describe('Classifier', () => {
  let dir: string;
  let muck: Record<string, unknown>;
  let nanodet: Record<string, unknown>;
  let classifier: Classifier;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'classifier-'));
    muck = JSON.parse(await readFile(path.join(MUCK_DIR, 'manifest.json'), 'utf8'));
    nanodet = JSON.parse(await readFile(path.join(NANODET_DIR, 'manifest.json'), 'utf8'));
    classifier = await Classifier.load('muck-cover-cls', { threads: 1 });
  });
  afterAll(async () => {
    await classifier.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  async function manifestFile(name: string, base: Record<string, unknown>, from: string, changes = {}) {
    const file = path.join(dir, `${name}.json`);
    await writeFile(
      file,
      JSON.stringify({ ...base, file: path.join(from, base.file as string), ...changes }),
    );
    return file;
  }

  it('refuses a detect manifest, and a Detector refuses a classify manifest (MODEL_TASK_MISMATCH)', async () => {
    const detectFile = await manifestFile('detect', nanodet, NANODET_DIR);
    const asClassifier = await refusal(Classifier.load(detectFile));
    expect(asClassifier.code).toBe('MODEL_TASK_MISMATCH');
    expect(asClassifier.message).toContain('task is "detect"');
    const classifyFile = await manifestFile('classify', muck, MUCK_DIR);
    const asDetector = await refusal(Detector.load(classifyFile));
    expect(asDetector.code).toBe('MODEL_TASK_MISMATCH');
    expect(asDetector.message).toContain('task is "classify"');
    expect(() => createDecoder({ type: 'classifier', output: 'p', outputIsProbabilities: true })).toThrow(
      /belongs to a classify model/,
    );
  });

  it('checks the input shape, the output name and the label count against the model', async () => {
    const input = { ...(muck.input as object), width: 32 };
    const badInput = await refusal(Classifier.load(await manifestFile('input', muck, MUCK_DIR, { input })));
    expect(badInput.code).toBe('MODEL_INPUT_MISMATCH');
    expect(badInput.message).toContain('[1, 3, 64, 32]');
    const decoder = { type: 'classifier', output: 'scores' };
    const badOutput = await refusal(
      Classifier.load(await manifestFile('output', muck, MUCK_DIR, { decoder })),
    );
    expect(badOutput.code).toBe('MODEL_OUTPUT_MISSING');
    expect(badOutput.message).toContain('probabilities');
    const labels = ['covered', 'uncovered', 'unknown'];
    const badLabels = await refusal(
      Classifier.load(await manifestFile('labels', muck, MUCK_DIR, { labels })),
    );
    expect(badLabels.code).toBe('MODEL_OUTPUT_MISMATCH');
    expect(badLabels.message).toContain('gives 2 scores');
  });

  it('classifies a crop exactly as the same pixels cut out beforehand', async () => {
    const frame = testImage(120, 80);
    const cut: RawImage = { data: new Uint8Array(40 * 30 * 3), width: 40, height: 30 };
    for (let y = 0; y < 30; y++)
      cut.data.set(frame.data.subarray(((y + 20) * 120 + 50) * 3, ((y + 20) * 120 + 90) * 3), y * 120);
    const cropped = await classifier.classify(frame, [50, 20, 90, 50]);
    const whole = await classifier.classify(cut);
    expect(cropped.scores).toEqual(whole.scores);
    expect(Object.keys(cropped.scores)).toEqual(['covered', 'uncovered']);
    expect((cropped.scores.covered ?? 0) + (cropped.scores.uncovered ?? 0)).toBeCloseTo(1, 5);
    expect(cropped.score).toBe(Math.max(...Object.values(cropped.scores)));
  });

  it('runs a batch in one session call on the dynamic batch and gives the single results', async () => {
    expect(classifier.dynamicBatch).toBe(true);
    const frame = testImage(100, 60);
    const crops = [
      [0, 0, 50, 30],
      [40, 10, 100, 60],
      [10, 5, 90, 55],
    ] as const;
    const batch = await classifier.classifyBatch(crops.map((c) => ({ image: frame, crop: [...c] })));
    for (const [k, c] of crops.entries()) {
      const single = await classifier.classify(frame, [...c]);
      for (const label of ['covered', 'uncovered'])
        expect(batch[k]?.scores[label]).toBeCloseTo(single.scores[label] ?? -1, 5);
    }
    expect(await classifier.classifyBatch([])).toEqual([]);
  });

  it('refuses a crop outside the image and a raw image of the wrong length, then keeps working', async () => {
    const frame = testImage(50, 50);
    expect((await refusal(classifier.classify(frame, [60, 0, 80, 20]))).code).toBe('IMAGE_UNREADABLE');
    const short = { data: frame.data.subarray(0, 100), width: 50, height: 50 };
    expect((await refusal(classifier.classify(short))).code).toBe('IMAGE_UNREADABLE');
    expect((await classifier.classify(frame)).label).toMatch(/^(covered|uncovered)$/);
  });

  it('applies a softmax to logits when the manifest says the model outputs logits', () => {
    const fromLogits = toClassification([0, Math.log(3)], ['a', 'b'], false);
    expect(fromLogits.label).toBe('b');
    expect(fromLogits.score).toBeCloseTo(0.75, 6);
    expect(toClassification([0.9, 0.1], ['a', 'b'], true)).toEqual({
      label: 'a',
      score: 0.9,
      scores: { a: 0.9, b: 0.1 },
    });
  });
});
