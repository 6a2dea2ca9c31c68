import { z } from 'zod';
import { SUPPRESSION_DEFAULTS } from './camera-defaults.ts';

/**
 * A camera's `suppression`: whether it applies the suppression regions its command centre learned
 * from operators' "not an object" verdicts (fetched from the cloud, kept under dataDir; edge/suppress/),
 * and how.
 */
export const CameraSuppressionSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** A detection matches a region when its box overlaps the region's at least this much (IoU). */
  matchIou: z.number().gt(0).max(1).default(SUPPRESSION_DEFAULTS.matchIou),
  /** Seconds of earlier sightings looked at to tell whether a matching detection moves. */
  motionWindowSeconds: z.number().positive().max(60).default(SUPPRESSION_DEFAULTS.motionWindowSeconds),
  /** It moves (and is kept) when its centre was further than this fraction of its size away. */
  moveFraction: z.number().positive().max(10).default(SUPPRESSION_DEFAULTS.moveFraction),
});
