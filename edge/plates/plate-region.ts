import { subBox } from '../../foundation/geometry/image-plane.ts';
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
  return subBox(vehicle, region, frameWidth, frameHeight, 4);
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
