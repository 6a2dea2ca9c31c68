import { z } from 'zod';
import { PlacedFields } from '../tickets/ticket-schema.ts';

export const IncidentSourceSchema = z.object({
  edgeIncidentId: z.string(),
  edgeId: z.string(),
  /** A camera's source has its camera and model; a device's, its device. */
  cameraId: z.string().nullable(),
  model: z.object({ name: z.string(), version: z.string() }).nullable(),
  deviceId: z.string().nullable(),
  startedAt: z.string(),
  lastSeenAt: z.string(),
  endedAt: z.string().nullable(),
});
export type IncidentSource = z.infer<typeof IncidentSourceSchema>;

/** One thing seen in the street, by one or more cameras. */
export const IncidentSchema = z.object({
  id: z.number().int(),
  type: z.string(),
  state: z.enum(['open', 'ended']),
  startedAt: z.string(),
  lastSeenAt: z.string(),
  endedAt: z.string().nullable(),
  ...PlacedFields,
  confidence: z.number(),
  eventCount: z.number().int(),
  sources: z.array(IncidentSourceSchema),
});
export type Incident = z.infer<typeof IncidentSchema>;
