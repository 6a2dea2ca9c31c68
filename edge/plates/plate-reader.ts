import type { Box, RawImage } from '../../foundation/media/frame.ts';
import { plateColor } from './plate-color.ts';
import { type BoxFraction, plateSearchRegion, rankPlateBoxes } from './plate-region.ts';
import { validatePlate } from './plate-text.ts';
import type { PlateCandidate } from './plate-vote.ts';
import { joinLineBoxes } from './text-boxes.ts';
import type { TextDetector } from './text-detector.ts';
import type { TextRecognizer } from './text-recognizer.ts';

export interface PlateReaderOptions {
  /** Where in the vehicle's box the plate is looked for (fractions); default its lower 60 %. */
  region: BoxFraction;
  /** Plate-shaped text boxes read per vehicle, likeliest first, until one validates. */
  maxCandidates: number;
  /** A read whose least sure character is below this is unread, even if it validates. */
  minCharScore: number;
}

export const DEFAULT_PLATE_READER: PlateReaderOptions = {
  region: [0, 0.4, 1, 1],
  maxCandidates: 2,
  minCharScore: 0.5,
};

/** Which OCR models (aliases under `models`) a scenario reads plates with, and where in a vehicle's box. */
export interface PlateReaderSettings {
  detector: string;
  recognizer: string;
  region: BoxFraction;
}

/** Reads the plate of the vehicle in `vehicle` (pixels of `frame`): a validated candidate, or undefined. */
export type ReadPlate = (frame: RawImage, vehicle: Box) => Promise<PlateCandidate | undefined>;

/**
 * One frame's plate read: text detection in the lower part of the vehicle's box, recognition of the
 * plate-shaped lines found there, the first that validates as a Chinese plate wins; its colour from
 * the box's dominant hue, or the one its format implies.
 */
export function plateReader(
  detector: TextDetector,
  recognizer: TextRecognizer,
  options: PlateReaderOptions = DEFAULT_PLATE_READER,
): ReadPlate {
  return async (frame, vehicle) => {
    const region = plateSearchRegion(vehicle, options.region, frame.width, frame.height);
    if (!region) return undefined;
    const lines = rankPlateBoxes(joinLineBoxes(await detector.detect(frame, region)));
    for (const { box } of lines.slice(0, options.maxCandidates)) {
      const read = await recognizer.recognize(frame, box);
      const plate = validatePlate(read.text);
      if (!plate || read.minCharScore < options.minCharScore) continue;
      // A green background on a standard-format plate is a misread colour, not a new-energy plate.
      const measured = plateColor(frame, box);
      const color = plate.impliedColor ?? (measured === 'green' ? undefined : measured);
      return { text: plate.text, confidence: read.confidence, ...(color ? { color } : {}) };
    }
    return undefined;
  };
}
