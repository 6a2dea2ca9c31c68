import { z } from 'zod';

/**
 * The retained payload of `edges/{edgeId}/status`, as edge/delivery/mqtt-publisher.ts publishes it
 * (EdgeStatus; to move to contract/). Per-camera health is kept as the edge sends it.
 */
export const EdgeStatusSchema = z.object({
  state: z.enum(['online', 'offline']),
  edgeId: z.string().min(1),
  clientId: z.string().min(1),
  at: z.iso.datetime({ offset: true }).optional(),
  since: z.iso.datetime({ offset: true }).optional(),
  reason: z.enum(['connection lost', 'stopped']).optional(),
  outbox: z
    .object({ depth: z.number().int().nonnegative(), dropped: z.number().int().nonnegative() })
    .optional(),
  cameras: z.unknown().optional(),
});
export type EdgeStatusPayload = z.infer<typeof EdgeStatusSchema>;
