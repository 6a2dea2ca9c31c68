import { z } from 'zod';
import { Fraction, Id } from '../../schema/config-fields.ts';

/**
 * Reading the plates of a muck-truck scenario's trucks (absent: not read). Names the OCR models by
 * their aliases under `models`, as `classifier` names the cover classifier.
 */
export const MuckPlatesSchema = z.strictObject({
  /** Off keeps the settings but reads nothing. */
  enabled: z.boolean().default(true),
  /** Alias of the text detector (a `text-detect` model, e.g. models/ppocr-det). */
  detector: Id,
  /** Alias of the text-line recogniser (a `text-recognize` model, e.g. models/ppocr-rec). */
  recognizer: Id,
  /**
   * Where in the truck's box the plate is looked for, as fractions [x1, y1, x2, y2] of the box; the
   * default, its lower 60 %, holds the plate of a truck seen from the front or the back.
   */
  region: z
    .tuple([Fraction, Fraction, Fraction, Fraction])
    .default([0, 0.4, 1, 1])
    .refine(([x1, y1, x2, y2]) => x2 > x1 && y2 > y1, { message: 'need x1 < x2 and y1 < y2' }),
  /** Frames of one truck read at most; a truck whose reads never agree stays unread. */
  maxReadsPerTrack: z.number().int().min(1).max(100).default(8),
  /** Trucks read at most per analysed frame (each read is a text detection and recognition). */
  maxReadsPerFrame: z.number().int().min(1).max(20).default(2),
  /** Frames that must read the same valid plate before it is reported. */
  minAgree: z.number().int().min(1).default(2),
});
