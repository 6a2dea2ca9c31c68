/** A CTC line read: the text and how sure the recogniser was of each of its characters. */
export interface CtcRead {
  text: string;
  /** Mean of the emitted characters' probabilities (0 for an empty read). */
  confidence: number;
  /** The least sure character's probability (0 for an empty read). */
  minCharScore: number;
}

/**
 * Greedy CTC decoding of one line: the likeliest class per time step, repeats collapsed, blanks
 * dropped. `probs` is [steps, classes] row-major; class `blank` is the CTC blank and class k maps to
 * `alphabet[k]` (an entry per class, the blank's ignored).
 */
export function ctcGreedyDecode(
  probs: Float32Array,
  steps: number,
  classes: number,
  alphabet: readonly string[],
  blank = 0,
): CtcRead {
  let text = '';
  let sum = 0;
  let min = 1;
  let emitted = 0;
  let previous = -1;
  for (let t = 0; t < steps; t++) {
    const row = t * classes;
    let best = 0;
    let bestScore = probs[row] as number;
    for (let c = 1; c < classes; c++) {
      const score = probs[row + c] as number;
      if (score > bestScore) {
        bestScore = score;
        best = c;
      }
    }
    if (best !== blank && best !== previous) {
      text += alphabet[best] ?? '';
      sum += bestScore;
      min = Math.min(min, bestScore);
      emitted++;
    }
    previous = best;
  }
  return emitted === 0
    ? { text: '', confidence: 0, minCharScore: 0 }
    : { text, confidence: sum / emitted, minCharScore: min };
}
