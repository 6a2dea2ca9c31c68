import { describe, expect, it } from 'vitest';
import { mergeDetections } from '../../edge/detect/merge-detections.ts';
import type { Detection } from '../../edge/detect/types.ts';

describe('mergeDetections', () => {
  it('merges two detectors: one box per object and label, the better score kept', () => {
    const d = (label: string, score: number, x: number): Detection => ({
      label,
      classId: 0,
      score,
      box: [x, 0, x + 50, 100],
    });
    const merged = mergeDetections([
      [d('person', 0.6, 0), d('car', 0.7, 200)],
      [d('person', 0.9, 2), d('person', 0.8, 100), d('truck', 0.5, 200)],
    ]);
    expect(merged.map((m) => `${m.label}@${m.box[0]}:${m.score}`)).toEqual([
      'person@2:0.9',
      'person@100:0.8',
      'car@200:0.7',
      'truck@200:0.5',
    ]);
  });
});
