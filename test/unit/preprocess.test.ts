import { describe, expect, it } from 'vitest';
import { Preprocessor, planInput, toSourceBox } from '../../edge/detect/preprocess.ts';
import type { ModelInput } from '../../foundation/models/manifest-schema.ts';

const base: ModelInput = {
  name: 'x',
  width: 2,
  height: 1,
  layout: 'NCHW',
  pixelFormat: 'BGR',
  mean: [10, 20, 30],
  std: [2, 4, 5],
  resize: 'stretch',
  padValue: 0,
};
// two pixels: (R, G, B) = (40, 60, 80) and (100, 120, 140)
const frame = { data: Uint8Array.from([40, 60, 80, 100, 120, 140]), width: 2, height: 1 };

describe('preprocessing', () => {
  it('writes planar BGR with per-channel mean and std', async () => {
    const pre = new Preprocessor(base);
    await pre.load(frame);
    expect(Array.from(pre.tensor)).toEqual([
      (80 - 10) / 2,
      (140 - 10) / 2,
      (60 - 20) / 4,
      (120 - 20) / 4,
      (40 - 30) / 5,
      (100 - 30) / 5,
    ]);
    expect(pre.dims).toEqual([1, 3, 1, 2]);
  });

  it('writes interleaved RGB for NHWC models', async () => {
    const pre = new Preprocessor({ ...base, layout: 'NHWC', pixelFormat: 'RGB' });
    await pre.load(frame);
    expect(Array.from(pre.tensor)).toEqual([15, 10, 10, 45, 25, 22]);
    expect(pre.dims).toEqual([1, 1, 2, 3]);
  });

  it('maps letterboxed boxes back to source pixels', () => {
    const t = planInput({ ...base, width: 416, height: 416, resize: 'letterbox' }, 768, 576);
    expect(t.padX).toBe(0);
    expect(t.padY).toBe(52);
    const box = toSourceBox({ classId: 0, score: 1, x1: 0, y1: 52, x2: 416, y2: 364 }, t);
    expect(box.map((v) => Math.round(v))).toEqual([0, 0, 768, 576]);
  });
});
