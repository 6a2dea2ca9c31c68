import { describe, expect, it } from 'vitest';
import { chooseThreshold } from '../../models/tools/verifier-threshold.ts';

const samples = (pairs: [number, boolean][]) => pairs.map(([score, positive]) => ({ score, positive }));

describe('a verifier threshold chosen on validation samples', () => {
  it('keeps every positive while it rejects the negatives scoring below them', () => {
    const choice = chooseThreshold(
      samples([
        [0.05, false],
        [0.2, false],
        [0.7, true],
        [0.9, true],
      ]),
      0.95,
    );
    expect(choice.threshold).toBeCloseTo(0.45);
    expect(choice).toMatchObject({ precision: 1, recall: 1, goalMet: true });
  });

  it('gives up the fewest positives needed to reach the precision goal', () => {
    const choice = chooseThreshold(
      samples([
        [0.1, false],
        [0.3, true],
        [0.6, false],
        [0.8, true],
        [0.9, true],
      ]),
      0.95,
    );
    expect(choice.threshold).toBeCloseTo(0.7);
    expect(choice).toMatchObject({ precision: 1, goalMet: true });
    expect(choice.recall).toBeCloseTo(2 / 3);
  });

  it('says when the goal cannot be met and falls back to the best F1', () => {
    const choice = chooseThreshold(
      samples([
        [0.9, false],
        [0.5, true],
        [0.4, true],
      ]),
      0.99,
    );
    expect(choice.goalMet).toBe(false);
    expect(choice.recall).toBe(1);
  });
});
