import { z } from 'zod';

/**
 * The retained payload of `edges/{edgeId}/status` (topics.status). The edge publishes `online` on
 * every connect and then on every heartbeat, with per-camera health; its Last Will, which the
 * broker publishes when the connection is lost, says `offline` (without `at`: the broker sends it
 * later than it was written); a clean stop publishes `offline` with reason `stopped`.
 */
export const CameraHealthSchema = z.looseObject({
  id: z.string().min(1),
  /** The camera source's state, e.g. running, backing_off, stalled, stopped. */
  state: z.string().min(1),
  /** ms since the epoch of the newest frame, null before the first. */
  lastFrameTime: z.number().nullable(),
  reconnects: z.number().int().nonnegative(),
  lastError: z.string().nullable(),
});
export type CameraHealth = z.infer<typeof CameraHealthSchema>;

export const EdgeStatusSchema = z.object({
  state: z.enum(['online', 'offline']),
  edgeId: z.string().min(1),
  clientId: z.string().min(1),
  /** When this status was published; absent in the Last Will. */
  at: z.iso.datetime({ offset: true }).optional(),
  /** online: since when this connection is up. */
  since: z.iso.datetime({ offset: true }).optional(),
  reason: z.enum(['connection lost', 'stopped']).optional(),
  outbox: z
    .object({ depth: z.number().int().nonnegative(), dropped: z.number().int().nonnegative() })
    .optional(),
  cameras: z.array(CameraHealthSchema).optional(),
});
export type EdgeStatus = z.infer<typeof EdgeStatusSchema>;
