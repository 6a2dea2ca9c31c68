import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import type { Detection } from '../../edge/detect/types.ts';
import type { Box } from '../../foundation/media/frame.ts';
import type { FramePrediction, FrameTruth } from '../eval/average-precision.ts';
import { evaluateDetections } from '../eval/average-precision.ts';
import { writePrCurvePng } from '../eval/pr-curve-image.ts';

const A: Box = [0, 0, 10, 10];
const B: Box = [20, 20, 30, 30];

function det(label: string, score: number, box: Box): Detection {
  return { label, classId: 0, score, box };
}

/** The truth of frame 0: these objects. */
function frame0(...objects: FrameTruth['objects']): FrameTruth[] {
  return [{ index: 0, objects }];
}

function evaluate(
  truth: FrameTruth[],
  predictions: FramePrediction[],
  classes = ['car'],
  operatingScore = 0,
) {
  return evaluateDetections(truth, predictions, { classes, operatingScore });
}

function only<T>(items: T[]): T {
  expect(items).toHaveLength(1);
  return items[0] as T;
}

describe('evaluateDetections', () => {
  it('gives AP 1 and P = R = 1 for a perfect detector', () => {
    const truth = [
      { index: 0, objects: [{ label: 'car', box: A }] },
      {
        index: 1,
        objects: [
          { label: 'car', box: B },
          { label: 'person', box: A },
        ],
      },
    ];
    const predictions = [
      { index: 0, detections: [det('car', 0.9, A)] },
      { index: 1, detections: [det('car', 0.8, B), det('person', 0.7, A)] },
    ];
    const result = evaluate(truth, predictions, ['car', 'person']);
    for (const c of result.classes) {
      expect(c).toMatchObject({ ap50: 1, precision: 1, recall: 1, falsePositives: 0 });
    }
    expect(result.meanAp50).toBe(1);
  });

  it('halves AP when a false positive outscores the only true positive', () => {
    const truth = [{ index: 0, objects: [{ label: 'car', box: A }] }];
    const predictions = [{ index: 0, detections: [det('car', 0.9, B), det('car', 0.8, A)] }];
    const c = only(evaluate(truth, predictions).classes);
    expect(c.ap50).toBeCloseTo(0.5, 12);
    expect(c.curve).toEqual({ recall: [0, 1], precision: [0, 0.5], score: [0.9, 0.8] });
  });

  it('interpolates precision from the right', () => {
    const truth = [
      { index: 0, objects: [{ label: 'car', box: A }] },
      { index: 1, objects: [{ label: 'car', box: A }] },
    ];
    const predictions = [
      { index: 0, detections: [det('car', 0.9, A), det('car', 0.8, B)] },
      { index: 1, detections: [det('car', 0.7, A)] },
    ];
    // TP, FP, TP over 2 truths: 0.5 * 1 + 0.5 * 2/3
    expect(only(evaluate(truth, predictions).classes).ap50).toBeCloseTo(5 / 6, 12);
  });

  it('halves recall for a missed object', () => {
    const truth = frame0({ label: 'car', box: A }, { label: 'car', box: B });
    const predictions = [{ index: 0, detections: [det('car', 0.9, A)] }];
    const c = only(evaluate(truth, predictions).classes);
    expect(c).toMatchObject({ truths: 2, recall: 0.5, precision: 1, truePositives: 1, falsePositives: 0 });
    expect(c.ap50).toBeCloseTo(0.5, 12);
  });

  it('counts a duplicate detection of the same object as a false positive', () => {
    const truth = [{ index: 0, objects: [{ label: 'car', box: A }] }];
    const predictions = [{ index: 0, detections: [det('car', 0.9, A), det('car', 0.8, [0, 0, 10, 9])] }];
    const c = only(evaluate(truth, predictions).classes);
    expect(c).toMatchObject({ truePositives: 1, falsePositives: 1, precision: 0.5, recall: 1, ap50: 1 });
  });

  it('counts a detection of an ignored object as neither TP nor FP', () => {
    const truth = frame0({ label: 'car', box: A }, { label: 'car', box: B, ignore: true });
    const predictions = [{ index: 0, detections: [det('car', 0.9, B), det('car', 0.8, A)] }];
    const c = only(evaluate(truth, predictions).classes);
    expect(c).toMatchObject({ truths: 1, ignored: 1, predictions: 2, truePositives: 1, falsePositives: 0 });
    expect(c.ap50).toBe(1);
    expect(c.curve.score).toEqual([0.8]);
  });

  it('merges labels through labelMap on both sides', () => {
    const truth = frame0({ label: 'car', box: A }, { label: 'person', box: B });
    const predictions = [{ index: 0, detections: [det('truck', 0.9, A), det('person', 0.8, B)] }];
    const result = evaluateDetections(truth, predictions, {
      classes: ['vehicle'],
      operatingScore: 0,
      labelMap: { car: 'vehicle', truck: 'vehicle', bus: 'vehicle' },
    });
    const c = only(result.classes);
    expect(c).toMatchObject({ label: 'vehicle', truths: 1, predictions: 1, truePositives: 1, ap50: 1 });
  });

  it('never matches a detection of the wrong class', () => {
    const truth = [{ index: 0, objects: [{ label: 'car', box: A }] }];
    const predictions = [{ index: 0, detections: [det('person', 0.9, A)] }];
    const [car, person] = evaluate(truth, predictions, ['car', 'person']).classes;
    expect(car).toMatchObject({ truths: 1, truePositives: 0, ap50: 0, recall: 0 });
    expect(person).toMatchObject({ truths: 0, falsePositives: 1, precision: 0 });
    expect(person?.ap50).toBeNaN();
    expect(evaluate(truth, predictions, ['car', 'person']).meanAp50).toBe(0);
  });

  it('treats IoU 0.5 as a match and just below it as a false positive', () => {
    const truth = [{ index: 0, objects: [{ label: 'car', box: A }] }];
    const at = only(evaluate(truth, [{ index: 0, detections: [det('car', 0.9, [0, 0, 10, 5])] }]).classes);
    const below = only(
      evaluate(truth, [{ index: 0, detections: [det('car', 0.9, [0, 0, 10, 4.99])] }]).classes,
    );
    expect(at).toMatchObject({ truePositives: 1, falsePositives: 0 });
    expect(below).toMatchObject({ truePositives: 0, falsePositives: 1, ap50: 0 });
  });

  it('applies the operating score to P/R but not to AP', () => {
    const truth = frame0({ label: 'car', box: A }, { label: 'car', box: B });
    const predictions = [
      { index: 0, detections: [det('car', 0.9, A), det('car', 0.3, B), det('car', 0.2, [50, 50, 60, 60])] },
    ];
    const strict = only(evaluate(truth, predictions, ['car'], 0.5).classes);
    const loose = only(evaluate(truth, predictions, ['car'], 0.1).classes);
    expect(strict).toMatchObject({ truePositives: 1, falsePositives: 0, precision: 1, recall: 0.5, ap50: 1 });
    expect(loose).toMatchObject({ truePositives: 2, falsePositives: 1, recall: 1, ap50: 1 });
    expect(loose.precision).toBeCloseTo(2 / 3, 12);
  });

  it('throws for predictions on a frame without ground truth', () => {
    const truth = [{ index: 0, objects: [] }];
    const predictions = [{ index: 7, detections: [det('car', 0.9, A)] }];
    expect(() => evaluate(truth, predictions)).toThrow(/frame 7/);
  });
});

describe('writePrCurvePng', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('writes an 800x600 PNG', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pr-curve-'));
    dirs.push(dir);
    const path = join(dir, 'pr.png');
    await writePrCurvePng(
      path,
      [
        { label: 'vehicle', recall: [0.2, 0.5, 0.8, 0.9], precision: [1, 0.95, 0.8, 0.6], ap50: 0.812 },
        { label: 'person <&>', recall: [0.1, 0.4, 0.6], precision: [1, 0.7, 0.5], ap50: 0.45 },
      ],
      'PR curves "test" & <check>',
    );
    const meta = await sharp(path).metadata();
    expect(meta).toMatchObject({ format: 'png', width: 800, height: 600 });
  });
});
