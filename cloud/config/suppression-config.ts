import { z } from 'zod';
import { DEFAULT_LEARN_OPTIONS } from '../../foundation/suppression/learn-regions.ts';

/** How the cloud learns suppression regions from operators' "not an object" verdicts, and when they lapse. */
export const SuppressionConfigSchema = z.strictObject({
  /** A region with neither a match on its edge nor a new rejection for this many days is no longer served. */
  expireAfterDays: z.number().positive().max(3650).default(14),
  /** Snapshots whose boxes were rejected at one place before it becomes a region. */
  minRejections: z.number().int().min(1).max(100).default(DEFAULT_LEARN_OPTIONS.minRejections),
  /** Rejected boxes overlapping this much (IoU) are at one place. */
  groupIou: z.number().gt(0).max(1).default(DEFAULT_LEARN_OPTIONS.groupIou),
  /** The region is the place's median box grown by this fraction of its size on each side. */
  padding: z.number().min(0).max(1).default(DEFAULT_LEARN_OPTIONS.padding),
});
export type SuppressionConfig = z.infer<typeof SuppressionConfigSchema>;
