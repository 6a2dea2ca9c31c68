import { describe, expect, it } from 'vitest';
import { resizeCrop } from '../../foundation/media/resample.ts';
import { rawImage } from './raw-image.ts';

describe('crop resampling', () => {
  it('returns the pixels unchanged when the crop already has the output size', () => {
    const src = rawImage(6, 5, (x, y) => [x * 40, y * 50, (x + y) * 20]);
    const out = resizeCrop(src, [1, 1, 5, 4], 4, 3);
    for (let y = 0; y < 3; y++)
      for (let x = 0; x < 4; x++)
        expect(Array.from(out.data.subarray((y * 4 + x) * 3, (y * 4 + x) * 3 + 3))).toEqual([
          (x + 1) * 40,
          (y + 1) * 50,
          (x + y + 2) * 20,
        ]);
  });

  it('averages every source pixel when shrinking (no aliasing of a fine checkerboard)', () => {
    const checker = rawImage(64, 64, (x, y) => ((x + y) % 2 ? [255, 255, 255] : [0, 0, 0]));
    const out = resizeCrop(checker, [0, 0, 64, 64], 8, 8);
    for (const v of out.data) expect(Math.abs(v - 127.5)).toBeLessThan(20);
  });
});
