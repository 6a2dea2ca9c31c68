/**
 * Choosing a verifier's accept threshold on the validation split: the one that keeps the most
 * positives while the accepted samples reach the precision goal.
 */

export interface ScoredSample {
  /** The model's probability of the positive class (accept). */
  score: number;
  positive: boolean;
}

export interface ThresholdChoice {
  threshold: number;
  /** Of the accepted validation samples; null when none is accepted. */
  precision: number | null;
  /** Of the positive validation samples; null when there are none. */
  recall: number | null;
  goalMet: boolean;
}

/** Precision and recall of accepting the samples scoring at least `threshold`. */
export function precisionRecallAt(
  samples: readonly ScoredSample[],
  threshold: number,
): { precision: number | null; recall: number | null } {
  let tp = 0;
  let fp = 0;
  let positives = 0;
  for (const s of samples) {
    if (s.positive) positives += 1;
    if (s.score < threshold) continue;
    if (s.positive) tp += 1;
    else fp += 1;
  }
  return { precision: tp + fp > 0 ? tp / (tp + fp) : null, recall: positives > 0 ? tp / positives : null };
}

/**
 * Among the cut points between sorted validation scores, the lowest whose precision reaches
 * `goal` (most recall); without one, the best F1. A threshold sits halfway between two scores, not
 * on one, so that a sample scoring a hair differently on the edge lands on the same side.
 */
export function chooseThreshold(samples: readonly ScoredSample[], goal: number): ThresholdChoice {
  const scores = [...new Set(samples.map((s) => s.score))].sort((a, b) => a - b);
  if (scores.length === 0) return { threshold: 0.5, precision: null, recall: null, goalMet: false };
  const cuts = [0, ...scores.slice(1).map((s, k) => (s + (scores[k] as number)) / 2)];
  let best: ThresholdChoice | undefined;
  let bestF1 = -1;
  let fallback: ThresholdChoice | undefined;
  for (const threshold of cuts) {
    const { precision, recall } = precisionRecallAt(samples, threshold);
    const choice = { threshold, precision, recall, goalMet: precision !== null && precision >= goal };
    if (choice.goalMet && (best === undefined || (recall ?? 0) > (best.recall ?? 0))) best = choice;
    const f1 = precision && recall ? (2 * precision * recall) / (precision + recall) : 0;
    if (f1 > bestF1) {
      bestF1 = f1;
      fallback = choice;
    }
  }
  return best ?? (fallback as ThresholdChoice);
}
