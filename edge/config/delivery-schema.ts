import { z } from 'zod';

/** The outbox between the pipeline and the broker. */
export const DeliverySchema = z.strictObject({
  /** Pending messages past which the oldest `update`s are dropped (never start or end). */
  maxPending: z.number().int().min(100).default(50_000),
  /** How often the retained status is refreshed with per-camera health. */
  heartbeatSeconds: z.number().positive().default(30),
});
