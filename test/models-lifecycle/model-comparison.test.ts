import { describe, expect, it } from 'vitest';
import { compareOnLabels, type ReviewedSnapshot } from '../../cloud/models/model-comparison.ts';
import type { EdgeEvent } from '../../foundation/contract/events.ts';

// Two reviewed snapshots of the vtest camera: a real person and the cone the detector calls a
// person. The operator said the person is right and the cone is not an object, and drew a person
// the AI missed. A shadow verifier rejects the cone; a shadow detector finds the missed person.
const model = { name: 'vtest-person-verifier', version: '2', sha256: 'a'.repeat(64) };
const person = {
  trackId: 1,
  label: 'person',
  score: 0.8,
  box: [0.5, 0.5, 0.55, 0.65] as [number, number, number, number],
};
const cone = {
  trackId: 2,
  label: 'person',
  score: 0.38,
  box: [0.21, 0.32, 0.23, 0.36] as [number, number, number, number],
};
const missed: [number, number, number, number] = [0.7, 0.5, 0.75, 0.66];

const snapshot = (shadow: EdgeEvent['shadow']): ReviewedSnapshot => ({
  event: { objects: [person, cone], shadow } as unknown as EdgeEvent,
  labels: {
    objects: [
      { index: 0, verdict: 'right' },
      { index: 1, verdict: 'not_object' },
    ],
    drawn: [{ label: 'person', box: missed }],
  },
});

describe('comparison of a shadow model with the active one on labelled snapshots', () => {
  it('scores a shadow verifier that rejects the cone: precision up, recall the same', () => {
    const verifier = snapshot([
      {
        model,
        verdicts: [
          { index: 0, accept: true, score: 0.9 },
          { index: 1, accept: false, score: 0.1 },
        ],
      },
    ]);
    const result = compareOnLabels([verifier, snapshot(undefined)], model);
    expect(result.snapshots).toEqual({ reviewed: 2, compared: 1 });
    expect(result.active).toEqual({
      truePositives: 1,
      falsePositives: 1,
      falseNegatives: 1,
      precision: 0.5,
      recall: 0.5,
    });
    expect(result.shadow).toEqual({
      truePositives: 1,
      falsePositives: 0,
      falseNegatives: 1,
      precision: 1,
      recall: 0.5,
    });
  });

  it('scores a shadow detector against the truth at IoU 0.5, the missed person found', () => {
    const detector = snapshot([
      {
        model,
        objects: [
          { label: 'person', score: 0.7, box: [0.505, 0.5, 0.555, 0.65] },
          { label: 'person', score: 0.6, box: [0.7, 0.51, 0.75, 0.66] },
          { label: 'person', score: 0.4, box: [0.9, 0.9, 0.95, 0.99] },
        ],
      },
    ]);
    const result = compareOnLabels([detector], model);
    expect(result.shadow).toMatchObject({
      truePositives: 2,
      falsePositives: 1,
      falseNegatives: 0,
      recall: 1,
    });
    expect(result.byLabel.person?.active.recall).toBe(0.5);
    expect(compareOnLabels([detector], { name: model.name, version: '3' }).snapshots.compared).toBe(0);
  });
});
