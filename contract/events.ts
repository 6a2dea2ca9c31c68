import { z } from 'zod';

/**
 * The event contract between edge and cloud: the one definition of what an edge publishes.
 * Both sides validate with this schema; bump EVENT_SCHEMA_VERSION on any breaking change.
 *
 * Identity: `incidentId` is stable for one incident across its start/update/end messages;
 * `eventId` is unique per message and the same on every redelivery of that message, so a
 * consumer that stores by `eventId` makes redelivery harmless.
 */
export const EVENT_SCHEMA_VERSION = 1;

export const EventTypeSchema = z.enum([
  'street_vending',
  'muck_truck_uncovered',
  'illegal_structure',
  'loitering',
  'parking',
  'line_crossing',
]);
export type EventType = z.infer<typeof EventTypeSchema>;

export const EventPhaseSchema = z.enum(['start', 'update', 'end']);
export type EventPhase = z.infer<typeof EventPhaseSchema>;

const id = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'lower-case letters, digits, "_" and "-", at most 64');
const isoTime = z.iso.datetime({ offset: true });
const unit = z.number().min(0).max(1);
const sha256 = z.string().regex(/^[0-9a-f]{64}$/);

/** A box as [x1, y1, x2, y2], normalised to the frame (0..1), so it survives any resize. */
export const NormalisedBoxSchema = z.tuple([unit, unit, unit, unit]);

export const EventObjectSchema = z.object({
  trackId: z.number().int().nonnegative(),
  label: z.string().min(1),
  score: unit,
  box: NormalisedBoxSchema,
  /** Seconds this object has stayed in the zone and has been stationary. */
  dwellSeconds: z.number().nonnegative().optional(),
  stationarySeconds: z.number().nonnegative().optional(),
  /** Scores of second-stage models on this object's crop, e.g. { uncovered: 0.83 }. */
  attributes: z.record(z.string(), z.number()).optional(),
});

export const EvidenceFileSchema = z.object({
  sha256,
  size: z.number().int().positive(),
  contentType: z.enum(['image/jpeg', 'video/mp4']),
});

export const EventSchema = z.object({
  schemaVersion: z.literal(EVENT_SCHEMA_VERSION),
  eventId: z.string().min(1).max(200),
  incidentId: z.string().min(1).max(200),
  /** Position of this message within its incident: 0 for start, increasing. */
  sequence: z.number().int().nonnegative(),
  type: EventTypeSchema,
  phase: EventPhaseSchema,
  edgeId: id,
  cameraId: id,
  /** The configured scenario (rule) that raised it, and the zone or line it watches. */
  scenario: z.string().min(1),
  zone: z.string().min(1).optional(),
  startedAt: isoTime,
  observedAt: isoTime,
  endedAt: isoTime.optional(),
  confidence: unit,
  objectCount: z.number().int().nonnegative(),
  objects: z.array(EventObjectSchema),
  /** Running counts a counting rule keeps, e.g. a line's crossings { a_to_b: 12, b_to_a: 7 }. */
  counts: z.record(z.string(), z.number().int().nonnegative()).optional(),
  model: z.object({ name: z.string().min(1), version: z.string().min(1), sha256 }),
  frame: z.object({ width: z.number().int().positive(), height: z.number().int().positive() }),
  /** Filled by the evidence stage; absent until the files exist. */
  evidence: z
    .object({
      snapshot: EvidenceFileSchema.optional(),
      snapshotAnnotated: EvidenceFileSchema.optional(),
      clip: EvidenceFileSchema.extend({
        startsAt: isoTime,
        endsAt: isoTime,
      }).optional(),
    })
    .default({}),
});

export type EdgeEvent = z.infer<typeof EventSchema>;
export type EventObject = z.infer<typeof EventObjectSchema>;

/** Parses a payload from the wire; the error message names every field at fault. */
export function parseEvent(payload: unknown): { ok: true; event: EdgeEvent } | { ok: false; error: string } {
  const parsed = EventSchema.safeParse(payload);
  if (parsed.success) return { ok: true, event: parsed.data };
  return { ok: false, error: z.prettifyError(parsed.error) };
}
