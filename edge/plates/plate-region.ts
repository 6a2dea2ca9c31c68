import type { Box } from '../../foundation/media/frame.ts';
import type { TextBox } from './text-boxes.ts';

/** A fraction [x1, y1, x2, y2] of a vehicle's box. */
export type BoxFraction = readonly [number, number, number, number];

/** Width over height of a single-row plate is 440/140 mm; text boxes around one fall in this range. */
const MIN_PLATE_ASPECT = 1.6;
const MAX_PLATE_ASPECT = 8;

/** The part of the vehicle's box where its plate is looked for, clipped to the frame; undefined under 4 px a side. */
export function plateSearchRegion(
  vehicle: Readonly<Box>,
  region: BoxFraction,
  frameWidth: number,
  frameHeight: number,
): Box | undefined {
  const w = vehicle[2] - vehicle[0];
  const h = vehicle[3] - vehicle[1];
  const x1 = Math.max(0, vehicle[0] + region[0] * w);
  const y1 = Math.max(0, vehicle[1] + region[1] * h);
  const x2 = Math.min(frameWidth, vehicle[0] + region[2] * w);
  const y2 = Math.min(frameHeight, vehicle[1] + region[3] * h);
  if (x2 - x1 < 4 || y2 - y1 < 4) return undefined;
  return [x1, y1, x2, y2];
}

/**
 * Text boxes that could be a single-row plate, likeliest first: plate-shaped (aspect in range),
 * then by area times the detector's score (a truck's plate is the biggest line in its lower part,
 * painted slogans and company names aside).
 */
export function rankPlateBoxes(boxes: readonly TextBox[]): TextBox[] {
  return boxes
    .filter(({ box }) => {
      const aspect = (box[2] - box[0]) / Math.max(1e-6, box[3] - box[1]);
      return aspect >= MIN_PLATE_ASPECT && aspect <= MAX_PLATE_ASPECT;
    })
    .map((b) => ({ b, weight: (b.box[2] - b.box[0]) * (b.box[3] - b.box[1]) * b.score }))
    .sort((a, b) => b.weight - a.weight)
    .map(({ b }) => b);
}
