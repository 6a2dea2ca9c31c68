import { z } from 'zod';
import {
  NormalisedBoxSchema,
  RejectionSourceSchema,
  SuppressionRegionSchema,
} from '../../foundation/suppression/suppression-region.ts';

export const RegionIdSchema = SuppressionRegionSchema.shape.id;

/** A region as the camera's page shows it: whether it is still served, and the rejections it came from. */
export const CameraRegionSchema = SuppressionRegionSchema.extend({
  /** expired: no match and no rejection for `expireAfterDays`; no edge applies it. */
  status: z.enum(['active', 'expired']),
  expiresAt: z.string(),
  sources: z.array(RejectionSourceSchema),
});
export type CameraRegion = z.infer<typeof CameraRegionSchema>;

/** A removal, the audit of who took a region away. */
export const RemovedRegionSchema = z.object({
  id: RegionIdSchema,
  label: z.string(),
  box: NormalisedBoxSchema,
  rejections: z.number().int(),
  removedBy: z.string(),
  role: z.string(),
  removedAt: z.string(),
});
export type RemovedRegion = z.infer<typeof RemovedRegionSchema>;

export const CameraSuppressionSchema = z.object({
  edgeId: z.string(),
  cameraId: z.string(),
  expireAfterDays: z.number(),
  /** Rejections at one place (distinct snapshots) that make a region. */
  minRejections: z.number().int(),
  regions: z.array(CameraRegionSchema),
  removed: z.array(RemovedRegionSchema),
  /** The camera's latest event snapshot, to draw the regions on; null before it sent one. */
  snapshot: z.object({ sha256: z.string(), url: z.string(), observedAt: z.string() }).nullable(),
});
export type CameraSuppression = z.infer<typeof CameraSuppressionSchema>;
