import { z } from 'zod';
import { AppliedConfigSchema } from '../../foundation/contract/edge-status.ts';
import { FleetConfigSchema } from '../../foundation/edge-config/fleet-config-schema.ts';

/** The API's view of edge configurations (cloud/http/fleet-routes.ts). */

const isoTime = z.iso.datetime({ offset: true });

/** A saved version: who saved it, when, and its hash; the body only where asked for. */
export const EdgeConfigVersionSchema = z.object({
  edgeId: z.string(),
  version: z.number().int().positive(),
  sha256: z.string(),
  savedBy: z.string(),
  role: z.string(),
  savedAt: isoTime,
  note: z.string().nullable(),
});
export type EdgeConfigVersion = z.infer<typeof EdgeConfigVersionSchema>;

export const EdgeConfigVersionWithBodySchema = EdgeConfigVersionSchema.extend({
  config: z.record(z.string(), z.unknown()),
});
export type EdgeConfigVersionWithBody = z.infer<typeof EdgeConfigVersionWithBodySchema>;

/** What the cloud wants an edge to run, and what the edge last said it runs. */
export const EdgeConfigStateSchema = z.object({
  edgeId: z.string(),
  desired: EdgeConfigVersionWithBodySchema.nullable(),
  /** From the edge's latest status; null before it reported one. */
  applied: AppliedConfigSchema.nullable(),
  /** The edge's connection as last reported; null for an edge never heard from. */
  edgeState: z.enum(['online', 'offline']).nullable(),
  /** The edge runs the desired version. */
  inSync: z.boolean(),
});
export type EdgeConfigState = z.infer<typeof EdgeConfigStateSchema>;

export const EdgeConfigHistorySchema = z.object({
  edgeId: z.string(),
  versions: z.array(EdgeConfigVersionSchema),
});

/** PUT body: the managed sections, validated with the edge config's schema (foundation/edge-config/). */
export const SaveEdgeConfigSchema = z.strictObject({
  config: FleetConfigSchema,
  /** Why (shown in the history). */
  note: z.string().trim().min(1).max(500).optional(),
});
