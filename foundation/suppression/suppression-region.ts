import { z } from 'zod';

/**
 * Per-camera false-positive suppression: places where operators rejected detections of one label
 * as "not an object" again and again. The cloud learns the regions from its labels (see
 * learn-regions.ts) and serves each edge its cameras' regions; the edge drops later detections
 * matching one, unless they move. This module is the format both sides validate with.
 */

const unit = z.number().min(0).max(1);

/** A box normalised to the image, [x1, y1, x2, y2] in 0..1, as in the event contract. */
export const NormalisedBoxSchema = z
  .tuple([unit, unit, unit, unit])
  .refine(([x1, y1, x2, y2]) => x2 > x1 && y2 > y1, 'x2 > x1 and y2 > y1');
export type NormalisedBox = [number, number, number, number];

/** One rejection a region was learned from: which snapshot, which of its event's objects, when. */
export const RejectionSourceSchema = z.object({
  /** `<snapshot sha256>:<object index>`: stable across label revisions. */
  key: z.string(),
  snapshotSha256: z.string(),
  eventId: z.string(),
  box: NormalisedBoxSchema,
  rejectedAt: z.string(),
});
export type RejectionSource = z.infer<typeof RejectionSourceSchema>;

/** A suppression region as an edge receives and stores it. */
export const SuppressionRegionSchema = z.object({
  /** Stable while its group of rejections grows: derived from the group's first rejection. */
  id: z.string().regex(/^sr-[0-9a-f]{16}$/),
  edgeId: z.string(),
  cameraId: z.string(),
  /** The AI label the rejected detections had; only detections of this label are matched. */
  label: z.string(),
  box: NormalisedBoxSchema,
  /** Snapshots whose boxes were rejected here. */
  rejections: z.number().int().min(1),
  /** When the rejection that made it a region was saved. */
  createdAt: z.string(),
  /** The latest of: a rejection here, a match an edge reported. */
  lastMatchedAt: z.string(),
});
export type SuppressionRegion = z.infer<typeof SuppressionRegionSchema>;

/** What `GET /api/v1/edges/{edgeId}/suppression-regions` answers. */
export const EdgeSuppressionRegionsSchema = z.object({
  edgeId: z.string(),
  /** A region with no match (and no rejection) for this many days is no longer applied. */
  expireAfterDays: z.number().positive(),
  regions: z.array(SuppressionRegionSchema),
});
export type EdgeSuppressionRegions = z.infer<typeof EdgeSuppressionRegionsSchema>;

/** What an edge reports with `POST /api/v1/edges/{edgeId}/suppression-regions/matches`. */
export const SuppressionMatchesSchema = z.strictObject({
  matches: z
    .array(
      z.strictObject({ regionId: z.string().regex(/^sr-[0-9a-f]{16}$/), lastMatchedAt: z.iso.datetime() }),
    )
    .max(10_000),
});
export type SuppressionMatches = z.infer<typeof SuppressionMatchesSchema>;

const DAY_MS = 86_400_000;

/** Whether a region last matched at `lastMatchedMs` has expired by `nowMs`. */
export function isExpired(lastMatchedMs: number, nowMs: number, expireAfterDays: number): boolean {
  return nowMs - lastMatchedMs > expireAfterDays * DAY_MS;
}
