import { describe, expect, it } from 'vitest';
import { cropToInput, resizeCrop } from '../../edge/classify/crop-resize.ts';
import { EdgeError } from '../../edge/errors.ts';
import type { RawImage } from '../../foundation/media/frame.ts';
import type { ModelInput } from '../../foundation/models/manifest-schema.ts';

function image(
  width: number,
  height: number,
  pixel: (x: number, y: number) => [number, number, number],
): RawImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set(pixel(x, y), (y * width + x) * 3);
  return { data, width, height };
}

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

describe('crop resampling', () => {
  it('returns the pixels unchanged when the crop already has the output size', () => {
    const src = image(6, 5, (x, y) => [x * 40, y * 50, (x + y) * 20]);
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
    const checker = image(64, 64, (x, y) => ((x + y) % 2 ? [255, 255, 255] : [0, 0, 0]));
    const out = resizeCrop(checker, [0, 0, 64, 64], 8, 8);
    for (const v of out.data) expect(Math.abs(v - 127.5)).toBeLessThan(20);
  });

  it('letterboxes a wide crop into the middle rows with the pad value', () => {
    const src = image(8, 4, () => [200, 100, 50]);
    const out = cropToInput(src, undefined, { ...input, resize: 'letterbox' });
    const row = (y: number) => Array.from(out.data.subarray(y * 12, y * 12 + 3));
    expect(row(0)).toEqual([7, 7, 7]);
    expect(row(1)).toEqual([200, 100, 50]);
    expect(row(2)).toEqual([200, 100, 50]);
    expect(row(3)).toEqual([7, 7, 7]);
  });

  it('clips a crop to the image and refuses one that misses it', () => {
    const src = image(10, 10, () => [1, 2, 3]);
    expect(cropToInput(src, [-5, -5, 20, 20], input).data.every((v, i) => v === [1, 2, 3][i % 3])).toBe(true);
    expect(() => cropToInput(src, [12, 0, 20, 5], input)).toThrow(EdgeError);
    expect(() => cropToInput(src, [12, 0, 20, 5], input)).toThrow(/covers less than a pixel/);
  });
});
