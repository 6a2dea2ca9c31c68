import type { RawImage } from '../../foundation/media/frame.ts';

/** A `width`×`height` RGB image whose pixel at (x, y) is `pixel(x, y)`. */
export function rawImage(
  width: number,
  height: number,
  pixel: (x: number, y: number) => [number, number, number],
): RawImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set(pixel(x, y), (y * width + x) * 3);
  return { data, width, height };
}
