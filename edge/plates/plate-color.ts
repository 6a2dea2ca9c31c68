import type { Box, RawImage } from '../../foundation/media/frame.ts';

export type PlateColor = 'blue' | 'yellow' | 'green';

/** Hue ranges in degrees of the plate backgrounds. */
const HUES: ReadonlyArray<readonly [PlateColor, number, number]> = [
  ['yellow', 30, 70],
  ['green', 75, 170],
  ['blue', 190, 255],
];
/** Pixels less saturated or darker than this say nothing about the background's colour. */
const MIN_SATURATION = 0.3;
const MIN_VALUE = 0.25;
/** The winning colour must cover this share of the box and be this many times the runner-up. */
const MIN_SHARE = 0.25;
const MIN_LEAD = 2;

/**
 * The plate's background colour from the dominant hue of its box, or undefined when no colour
 * clearly dominates (grey light, a white or black plate, a box that misses the plate).
 */
export function plateColor(image: RawImage, box: Readonly<Box>): PlateColor | undefined {
  const x1 = Math.max(0, Math.floor(box[0]));
  const y1 = Math.max(0, Math.floor(box[1]));
  const x2 = Math.min(image.width, Math.ceil(box[2]));
  const y2 = Math.min(image.height, Math.ceil(box[3]));
  const counts = new Map<PlateColor, number>();
  let total = 0;
  for (let y = y1; y < y2; y++) {
    for (let x = x1; x < x2; x++) {
      total++;
      const i = (y * image.width + x) * 3;
      const color = pixelColor(
        image.data[i] as number,
        image.data[i + 1] as number,
        image.data[i + 2] as number,
      );
      if (color) counts.set(color, (counts.get(color) ?? 0) + 1);
    }
  }
  const ranked = [...counts.entries()].sort((a, b) => b[1] - a[1]);
  const [best, second] = ranked;
  if (!best || total === 0 || best[1] < MIN_SHARE * total) return undefined;
  if (second && best[1] < MIN_LEAD * second[1]) return undefined;
  return best[0];
}

function pixelColor(r: number, g: number, b: number): PlateColor | undefined {
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  const chroma = max - min;
  if (max < MIN_VALUE * 255 || chroma < MIN_SATURATION * max || chroma === 0) return undefined;
  let hue: number;
  if (max === r) hue = (((g - b) / chroma + 6) % 6) * 60;
  else if (max === g) hue = ((b - r) / chroma + 2) * 60;
  else hue = ((r - g) / chroma + 4) * 60;
  for (const [color, from, to] of HUES) if (hue >= from && hue <= to) return color;
  return undefined;
}
