import type { Rect } from '../../edge/detect/nms.ts';
import { iou } from '../../edge/detect/nms.ts';
import type { Detection } from '../../edge/detect/types.ts';
import type { Box } from '../../foundation/media/frame.ts';

export interface TruthObject {
  label: string;
  box: Box;
  ignore?: boolean;
}

export interface FrameTruth {
  index: number;
  objects: TruthObject[];
}

export interface FramePrediction {
  index: number;
  detections: Detection[];
}

export interface ClassEvaluation {
  label: string;
  truths: number;
  ignored: number;
  predictions: number;
  ap50: number;
  precision: number;
  recall: number;
  truePositives: number;
  falsePositives: number;
  curve: { recall: number[]; precision: number[]; score: number[] };
}

export interface EvaluateOptions {
  classes: string[];
  iouThreshold?: number;
  operatingScore: number;
  labelMap?: Record<string, string>;
}

interface ClassTruth {
  rect: Rect;
  ignore: boolean;
  matched: boolean;
}

interface ClassPrediction {
  frame: number;
  rect: Rect;
  score: number;
}

function toRect([x1, y1, x2, y2]: Box): Rect {
  return { x1, y1, x2, y2 };
}

function ratio(numerator: number, denominator: number): number {
  return denominator > 0 ? numerator / denominator : Number.NaN;
}

/** All-point interpolated area under the precision envelope (PASCAL VOC 2010+). */
export function averagePrecision(recall: number[], precision: number[]): number {
  const r = [0, ...recall, 1];
  const p = [0, ...precision, 0];
  for (let i = p.length - 2; i >= 0; i--) p[i] = Math.max(p[i] ?? 0, p[i + 1] ?? 0);
  let ap = 0;
  for (let i = 1; i < r.length; i++) ap += ((r[i] ?? 0) - (r[i - 1] ?? 0)) * (p[i] ?? 0);
  return ap;
}

function evaluateClass(
  label: string,
  truths: Map<number, ClassTruth[]>,
  predictions: ClassPrediction[],
  iouThreshold: number,
  operatingScore: number,
): ClassEvaluation {
  const all = [...truths.values()].flat();
  const truthCount = all.filter((t) => !t.ignore).length;
  const curve: ClassEvaluation['curve'] = { recall: [], precision: [], score: [] };
  let tp = 0;
  let fp = 0;
  let operatingTp = 0;
  let operatingFp = 0;
  for (const prediction of [...predictions].sort((a, b) => b.score - a.score)) {
    const candidates = truths.get(prediction.frame) ?? [];
    let best: ClassTruth | undefined;
    let bestIou = iouThreshold;
    for (const truth of candidates) {
      if (truth.ignore || truth.matched) continue;
      const overlap = iou(prediction.rect, truth.rect);
      if (overlap >= bestIou) {
        best = truth;
        bestIou = overlap;
      }
    }
    if (best) {
      best.matched = true;
      tp++;
    } else if (candidates.some((t) => t.ignore && iou(prediction.rect, t.rect) >= iouThreshold)) {
      continue;
    } else {
      fp++;
    }
    if (prediction.score >= operatingScore) {
      operatingTp = tp;
      operatingFp = fp;
    }
    curve.recall.push(ratio(tp, truthCount));
    curve.precision.push(tp / (tp + fp));
    curve.score.push(prediction.score);
  }
  return {
    label,
    truths: truthCount,
    ignored: all.length - truthCount,
    predictions: predictions.length,
    ap50: truthCount > 0 ? averagePrecision(curve.recall, curve.precision) : Number.NaN,
    precision: ratio(operatingTp, operatingTp + operatingFp),
    recall: ratio(operatingTp, truthCount),
    truePositives: operatingTp,
    falsePositives: operatingFp,
    curve,
  };
}

/**
 * Per-class AP at one IoU threshold (0.5 by default) over labelled frames. Precision, recall and the TP/FP
 * counts are taken at `operatingScore`; ratios with a zero denominator are NaN.
 */
export function evaluateDetections(
  truth: FrameTruth[],
  predictions: FramePrediction[],
  options: EvaluateOptions,
): { classes: ClassEvaluation[]; meanAp50: number } {
  const iouThreshold = options.iouThreshold ?? 0.5;
  const mapLabel = (label: string): string => options.labelMap?.[label] ?? label;
  const truthByClass = new Map(options.classes.map((c) => [c, new Map<number, ClassTruth[]>()]));
  const predictionsByClass = new Map(options.classes.map((c): [string, ClassPrediction[]] => [c, []]));
  const labelledFrames = new Set<number>();

  for (const frame of truth) {
    labelledFrames.add(frame.index);
    for (const object of frame.objects) {
      const byFrame = truthByClass.get(mapLabel(object.label));
      if (!byFrame) continue;
      const list = byFrame.get(frame.index) ?? [];
      list.push({ rect: toRect(object.box), ignore: object.ignore ?? false, matched: false });
      byFrame.set(frame.index, list);
    }
  }

  for (const frame of predictions) {
    if (!labelledFrames.has(frame.index)) {
      throw new Error(`predictions for frame ${frame.index}, which has no ground truth`);
    }
    for (const detection of frame.detections) {
      predictionsByClass
        .get(mapLabel(detection.label))
        ?.push({ frame: frame.index, rect: toRect(detection.box), score: detection.score });
    }
  }

  const classes = options.classes.map((label) =>
    evaluateClass(
      label,
      truthByClass.get(label) ?? new Map(),
      predictionsByClass.get(label) ?? [],
      iouThreshold,
      options.operatingScore,
    ),
  );
  const scored = classes.map((c) => c.ap50).filter((ap) => !Number.isNaN(ap));
  const meanAp50 = scored.length > 0 ? scored.reduce((a, b) => a + b, 0) / scored.length : Number.NaN;
  return { classes, meanAp50 };
}
