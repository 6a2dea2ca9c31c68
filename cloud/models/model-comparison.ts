import type { EdgeEvent } from '../../foundation/contract/events.ts';
import type { DrawnBox, ObjectLabel } from '../labels/label-schema.ts';

type Box = readonly [number, number, number, number] | readonly number[];

/** A reviewed snapshot: the event it was taken on and its current labels. */
export interface ReviewedSnapshot {
  event: EdgeEvent;
  labels: { objects: readonly ObjectLabel[]; drawn: readonly DrawnBox[] };
}

export interface DetectionScore {
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  /** null when there is nothing to divide by. */
  precision: number | null;
  recall: number | null;
}

export interface ModelComparison {
  name: string;
  version: string;
  /** Reviewed snapshots, and those of them whose event carries this version's shadow verdict. */
  snapshots: { reviewed: number; compared: number };
  /** What the cameras ran (the events' objects), and what the shadow model would have given. */
  active: DetectionScore;
  shadow: DetectionScore;
  byLabel: Record<string, { active: DetectionScore; shadow: DetectionScore }>;
}

/** Matching as test/eval does: a prediction is right when it overlaps a labelled box of its label at IoU 0.5. */
const IOU_THRESHOLD = 0.5;

interface Prediction {
  label: string;
  score: number;
  box: Box;
}

/**
 * Precision and recall of a shadow model against the active one on the snapshots operators
 * labelled. The truth is what they said: boxes judged right or of another label, and the boxes
 * they drew; a box judged not an object is none. The active model's predictions are the event's
 * judged objects; the shadow's are its detections (a detector) or the judged objects it accepted
 * (a verifier). Objects left unjudged count for neither side, nor do detections on them.
 */
export function compareOnLabels(
  snapshots: readonly ReviewedSnapshot[],
  model: { name: string; version: string },
): ModelComparison {
  const counts = new Map<string, { active: Counts; shadow: Counts }>();
  let compared = 0;
  for (const { event, labels } of snapshots) {
    const verdict = event.shadow?.find(
      (v) => v.model.name === model.name && v.model.version === model.version,
    );
    if (!verdict) continue;
    compared += 1;
    const judged = new Map(labels.objects.map((l) => [l.index, l]));
    const truth: Prediction[] = [];
    for (const [index, label] of judged) {
      const object = event.objects[index];
      if (!object || label.verdict === 'not_object') continue;
      truth.push({
        label: label.verdict === 'wrong_label' ? label.label : object.label,
        score: 1,
        box: object.box,
      });
    }
    for (const drawn of labels.drawn) truth.push({ label: drawn.label, score: 1, box: drawn.box });
    const active = event.objects.filter((_, index) => judged.has(index));
    const unjudged = event.objects.filter((_, index) => !judged.has(index));
    let shadow: Prediction[];
    if (verdict.verdicts) {
      const rejected = new Set(verdict.verdicts.filter((v) => !v.accept).map((v) => v.index));
      shadow = event.objects.filter((_, index) => judged.has(index) && !rejected.has(index));
    } else {
      const ofInterest = new Set([...event.objects, ...truth].map((p) => p.label));
      shadow = (verdict.objects ?? []).filter(
        (p) => ofInterest.has(p.label) && !unjudged.some((u) => iou(u.box, p.box) >= IOU_THRESHOLD),
      );
    }
    for (const label of new Set([...truth, ...active, ...shadow].map((p) => p.label))) {
      const entry = counts.get(label) ?? { active: zero(), shadow: zero() };
      counts.set(label, entry);
      const mine = (list: readonly Prediction[]) => list.filter((p) => p.label === label);
      add(entry.active, match(mine(active), mine(truth)));
      add(entry.shadow, match(mine(shadow), mine(truth)));
    }
  }
  const total = { active: zero(), shadow: zero() };
  for (const entry of counts.values()) {
    add(total.active, entry.active);
    add(total.shadow, entry.shadow);
  }
  return {
    name: model.name,
    version: model.version,
    snapshots: { reviewed: snapshots.length, compared },
    active: score(total.active),
    shadow: score(total.shadow),
    byLabel: Object.fromEntries(
      [...counts]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([label, c]) => [label, { active: score(c.active), shadow: score(c.shadow) }]),
    ),
  };
}

interface Counts {
  tp: number;
  fp: number;
  fn: number;
}

const zero = (): Counts => ({ tp: 0, fp: 0, fn: 0 });

function add(into: Counts, from: Counts): void {
  into.tp += from.tp;
  into.fp += from.fp;
  into.fn += from.fn;
}

/** Greedy by score: each prediction takes the unmatched truth it overlaps most (IoU ≥ 0.5), else it is false. */
function match(predictions: readonly Prediction[], truth: readonly Prediction[]): Counts {
  const taken = new Set<number>();
  let tp = 0;
  for (const prediction of [...predictions].sort((a, b) => b.score - a.score)) {
    let best = -1;
    let bestIou = IOU_THRESHOLD;
    truth.forEach((t, k) => {
      const overlap = iou(prediction.box, t.box);
      if (!taken.has(k) && overlap >= bestIou) {
        best = k;
        bestIou = overlap;
      }
    });
    if (best >= 0) {
      taken.add(best);
      tp += 1;
    }
  }
  return { tp, fp: predictions.length - tp, fn: truth.length - tp };
}

function iou(a: Box, b: Box): number {
  const [ax1 = 0, ay1 = 0, ax2 = 0, ay2 = 0] = a;
  const [bx1 = 0, by1 = 0, bx2 = 0, by2 = 0] = b;
  const w = Math.max(0, Math.min(ax2, bx2) - Math.max(ax1, bx1));
  const h = Math.max(0, Math.min(ay2, by2) - Math.max(ay1, by1));
  const inter = w * h;
  const union = (ax2 - ax1) * (ay2 - ay1) + (bx2 - bx1) * (by2 - by1) - inter;
  return union > 0 ? inter / union : 0;
}

const ratio = (a: number, b: number) => (b > 0 ? Number((a / b).toFixed(4)) : null);

function score({ tp, fp, fn }: Counts): DetectionScore {
  return {
    truePositives: tp,
    falsePositives: fp,
    falseNegatives: fn,
    precision: ratio(tp, tp + fp),
    recall: ratio(tp, tp + fn),
  };
}
