import { describe, expect, it } from 'vitest';
import { cropToInput } from '../../edge/classify/crop-resize.ts';
import { EdgeError } from '../../edge/errors.ts';
import type { ModelInput } from '../../foundation/models/manifest-schema.ts';
import { rawImage } from '../media/raw-image.ts';

const input: ModelInput = {
  name: 'input',
  width: 4,
  height: 4,
  layout: 'NCHW',
  pixelFormat: 'RGB',
  mean: [0, 0, 0],
  std: [1, 1, 1],
  resize: 'stretch',
  padValue: 7,
};

describe('a crop fitted to the model input', () => {
  it('letterboxes a wide crop into the middle rows with the pad value', () => {
    const src = rawImage(8, 4, () => [200, 100, 50]);
    const out = cropToInput(src, undefined, { ...input, resize: 'letterbox' });
    const row = (y: number) => Array.from(out.data.subarray(y * 12, y * 12 + 3));
    expect(row(0)).toEqual([7, 7, 7]);
    expect(row(1)).toEqual([200, 100, 50]);
    expect(row(2)).toEqual([200, 100, 50]);
    expect(row(3)).toEqual([7, 7, 7]);
  });

  it('clips a crop to the image and refuses one that misses it', () => {
    const src = rawImage(10, 10, () => [1, 2, 3]);
    expect(cropToInput(src, [-5, -5, 20, 20], input).data.every((v, i) => v === [1, 2, 3][i % 3])).toBe(true);
    expect(() => cropToInput(src, [12, 0, 20, 5], input)).toThrow(EdgeError);
    expect(() => cropToInput(src, [12, 0, 20, 5], input)).toThrow(/covers less than a pixel/);
  });
});
