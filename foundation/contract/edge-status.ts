import { z } from 'zod';
import { boundedArray, clockTime, CONTRACT_LIMITS as L, text } from './limits.ts';

/**
 * The retained payload of `edges/{edgeId}/status` (topics.status). The edge publishes `online` on
 * every connect and then on every heartbeat, with per-camera health; its Last Will, which the
 * broker publishes when the connection is lost, says `offline` (without `at`: the broker sends it
 * later than it was written); a clean stop publishes `offline` with reason `stopped`. The cloud
 * orders statuses by their arrival, not by `at` (an edge's clock may be wrong).
 */
export const CameraHealthSchema = z.object({
  id: text(L.idChars),
  /** The camera source's state, e.g. running, backing_off, stalled, stopped. */
  state: text(L.nameChars),
  /** ms since the epoch of the newest frame, null before the first. */
  lastFrameTime: z.number().nullable(),
  reconnects: z.number().int().nonnegative(),
  /** At most CONTRACT_LIMITS.errorChars: an edge cuts what it reports with `toContractText`. */
  lastError: text(L.errorChars, 0).nullable(),
  framesDecoded: z.number().int().nonnegative().optional(),
  framesAnalysed: z.number().int().nonnegative().optional(),
  /** The clip recorder's state, where the camera records. */
  recording: text(L.nameChars).optional(),
});
export type CameraHealth = z.infer<typeof CameraHealthSchema>;

/** The edge's data disk: `disk_full` from a write refused for want of space until one succeeds. */
export const StorageHealthSchema = z.object({
  state: z.enum(['ok', 'disk_full']),
  /** When the disk was found full (the edge's clock); absent while ok. */
  since: clockTime.optional(),
  /** Events held in memory, in order, until the outbox can take them. */
  eventsWaiting: z.number().int().nonnegative(),
  freeBytes: z.number().nonnegative().nullable(),
});
export type StorageHealthStatus = z.infer<typeof StorageHealthSchema>;

/**
 * The configuration an edge runs: its local file, or the cloud's desired configuration of that
 * version; a desired version it refused is named with the reason (the previous one keeps running).
 */
export const AppliedConfigSchema = z.object({
  source: z.enum(['file', 'cloud']),
  /** The cloud's version number of what runs; null for a local file. */
  version: z.number().int().nonnegative().nullable(),
  /** sha256 of the configuration as applied (canonical JSON). */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  appliedAt: clockTime.optional(),
  refused: z.object({ version: z.number().int().nonnegative(), error: text(L.errorChars, 0) }).optional(),
});
export type AppliedConfig = z.infer<typeof AppliedConfigSchema>;

/** A model the edge has loaded, by its alias in the configuration. */
export const LoadedModelSchema = z.object({
  alias: text(L.idChars),
  name: text(L.nameChars),
  version: text(L.nameChars),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  task: text(L.nameChars),
  /** `shadow`: it runs and its verdicts are reported, but it changes nothing. */
  mode: z.enum(['active', 'shadow']).optional(),
});

export const EdgeStatusSchema = z.object({
  state: z.enum(['online', 'offline']),
  edgeId: text(L.idChars),
  clientId: text(L.messageIdChars),
  /**
   * When this status was published, by the edge's clock; absent in the Last Will. Not held to the
   * contract's time window: a wrong clock must not hide the edge, it shows as its clock offset.
   */
  at: clockTime.optional(),
  /** online: since when this connection is up (the edge's clock). */
  since: clockTime.optional(),
  reason: z.enum(['connection lost', 'stopped']).optional(),
  outbox: z
    .object({ depth: z.number().int().nonnegative(), dropped: z.number().int().nonnegative() })
    .optional(),
  cameras: boundedArray(CameraHealthSchema, L.cameras).optional(),
  storage: StorageHealthSchema.optional(),
  config: AppliedConfigSchema.optional(),
  models: boundedArray(LoadedModelSchema, 64).optional(),
});
export type EdgeStatus = z.infer<typeof EdgeStatusSchema>;
