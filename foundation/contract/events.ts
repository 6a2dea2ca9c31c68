import { z } from 'zod';
import { boundedArray, boundedRecord, contractTime, CONTRACT_LIMITS as L, text } from './limits.ts';

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
  /** Goods or a stall occupying the street with people staying by it (占道经营). */
  'street_vending',
  'muck_truck_uncovered',
  'illegal_structure',
  'loitering',
  'parking',
  'line_crossing',
  /** Something placed on (or taken from) the street that stays, whatever it is: piled materials (乱堆物料). */
  'occupation',
  /** People standing together in a zone (no stall involved). */
  'gathering',
  /** The camera itself is at fault (no signal, frozen, covered, turned...): work for maintenance. */
  'camera_fault',
]);
export type EventType = z.infer<typeof EventTypeSchema>;

export const EventPhaseSchema = z.enum(['start', 'update', 'end']);
export type EventPhase = z.infer<typeof EventPhaseSchema>;

const id = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'lower-case letters, digits, "_" and "-", at most 64');
const isoTime = contractTime;
const name = text(L.nameChars);
const unit = z.number().min(0).max(1);
const sha256 = z.string().regex(/^[0-9a-f]{64}$/);

/** A box as [x1, y1, x2, y2], normalised to the frame (0..1), so it survives any resize. */
export const NormalisedBoxSchema = z.tuple([unit, unit, unit, unit]);

/**
 * A vehicle plate read on the edge, voted over several frames. Only a plate that validates as a
 * Chinese plate is sent; an unreadable one is absent, never a guess.
 */
export const PlateReadSchema = z.object({
  /** E.g. 粤A12345, 粤AD12345 (new energy); no separators. */
  text: text(16),
  /** 0..1: the share of the votes and the recogniser's confidence combined. */
  confidence: unit,
  /** The plate's background colour where it was told: yellow for large trucks, green for new energy. */
  color: z.enum(['blue', 'yellow', 'green', 'white', 'black']).optional(),
  /** Frames whose read took part in the vote. */
  frames: z.number().int().positive().max(L.sequence),
});
export type PlateRead = z.infer<typeof PlateReadSchema>;

/** What is wrong with a camera (`camera_fault` events), as the health diagnosis tells it. */
export const CameraFaultSchema = z.enum([
  'no_signal',
  'frozen',
  'black',
  'overexposed',
  'blurred',
  'covered',
  'scene_changed',
  'noisy',
]);
export type CameraFault = z.infer<typeof CameraFaultSchema>;

export const EventObjectSchema = z.object({
  trackId: z.number().int().nonnegative(),
  label: name,
  score: unit,
  box: NormalisedBoxSchema,
  /** Seconds this object has stayed in the zone and has been stationary. */
  dwellSeconds: z.number().nonnegative().optional(),
  stationarySeconds: z.number().nonnegative().optional(),
  /** Scores of second-stage models on this object's crop, e.g. { uncovered: 0.83 }. */
  attributes: boundedRecord(z.number()).optional(),
  /** The vehicle's plate, where it was read (muck-truck events). */
  plate: PlateReadSchema.optional(),
});

export const EvidenceFileSchema = z.object({
  sha256,
  size: z.number().int().positive(),
  contentType: z.enum(['image/jpeg', 'video/mp4']),
});

export const EvidenceFileKindSchema = z.enum(['snapshot', 'snapshotAnnotated', 'before', 'clip']);
export const EvidenceMissingSchema = z.object({
  file: EvidenceFileKindSchema,
  reason: text(200),
});
export type EvidenceMissing = z.infer<typeof EvidenceMissingSchema>;

/**
 * What a model assigned in shadow mode said about the event's snapshot frame: it ran, it changed
 * nothing, and the cloud compares it with the operators' labels before anyone promotes it.
 */
export const ShadowVerdictSchema = z.object({
  model: z.object({ name, version: name, sha256 }),
  /** A shadow detector's own detections on the frame. */
  objects: boundedArray(
    z.object({ label: name, score: unit, box: NormalisedBoxSchema }),
    L.objects,
  ).optional(),
  /** A shadow verifier's verdict on each of the event's objects, by their index in `objects`. */
  verdicts: boundedArray(
    z.object({ index: z.number().int().nonnegative(), accept: z.boolean(), score: unit }),
    L.objects,
  ).optional(),
});

/**
 * Fields every incident message has, whatever raised it (a camera scenario or a telemetry rule),
 * spread into each schema below so that each keeps its own field order on the wire.
 */
const incidentHead = {
  schemaVersion: z.literal(EVENT_SCHEMA_VERSION),
  eventId: text(L.messageIdChars),
  incidentId: text(L.messageIdChars),
  /** Position of this message within its incident: 0 for start, increasing. */
  sequence: z.number().int().nonnegative().max(L.sequence),
};
const incidentTimes = {
  startedAt: isoTime,
  observedAt: isoTime,
  endedAt: isoTime.optional(),
  confidence: unit,
};

/** An incident is observed, and ends, no earlier than it started. */
function timesInOrder(
  value: { startedAt: string; observedAt: string; endedAt?: string | undefined },
  ctx: z.RefinementCtx,
): void {
  const started = Date.parse(value.startedAt);
  for (const field of ['observedAt', 'endedAt'] as const) {
    const at = value[field];
    if (at !== undefined && Date.parse(at) < started)
      ctx.addIssue({ code: 'custom', path: [field], message: `${field} is before startedAt` });
  }
}

/**
 * A truck that telemetry places near a camera when it saw an uncovered load (iot/correlate/),
 * best first. `cover` is what the truck's own cargo-cover sensor said at the time, if it has one.
 */
export const VehicleCandidateSchema = z.object({
  deviceId: text(L.idChars),
  plate: text(16).optional(),
  distanceMeters: z.number().nonnegative(),
  /** Position time minus the camera's observation time. */
  offsetSeconds: z.number(),
  cover: z.enum(['confirms', 'contradicts', 'unknown']),
  /** 0..1, higher is a likelier match; comparable only within one event's list. */
  score: unit,
});
export type VehicleCandidate = z.infer<typeof VehicleCandidateSchema>;

/** A GeoJSON position, [longitude, latitude] in WGS 84 (RFC 7946 §3.1.1). */
const LonLatSchema = z.tuple([z.number().min(-180).max(180), z.number().min(-90).max(90)]);

/** A GeoJSON Polygon (RFC 7946 §3.1.6): an outer ring, then any holes; each ring closed, at least 4 positions. */
export const GeoPolygonSchema = z.object({
  type: z.literal('Polygon'),
  coordinates: z
    .array(
      z
        .array(LonLatSchema)
        .min(4)
        .max(L.outlinePoints, `at most ${L.outlinePoints} positions`)
        .refine((ring) => {
          const [first, last] = [ring[0], ring[ring.length - 1]];
          return first?.[0] === last?.[0] && first?.[1] === last?.[1];
        }, 'a ring must be closed: its last position repeats its first'),
    )
    .min(1)
    .max(L.polygonRings, `at most ${L.polygonRings} rings`),
});

/**
 * The outline of what was found, where a box says too little (a structure seen from a drone):
 * in the image, normalised like boxes (0..1), and on the ground where the image is georeferenced.
 */
export const EventGeometrySchema = z.object({
  image: z
    .array(z.tuple([unit, unit]))
    .min(3, 'an outline needs at least 3 points')
    .max(L.outlinePoints, `at most ${L.outlinePoints} points`),
  geo: GeoPolygonSchema.optional(),
});
export type EventGeometry = z.infer<typeof EventGeometrySchema>;

export const EventSchema = z
  .object({
    ...incidentHead,
    type: EventTypeSchema,
    phase: EventPhaseSchema,
    /** Camera events may omit it; device events (DeviceEventSchema) say `device`. */
    source: z.literal('camera').optional(),
    edgeId: id,
    cameraId: id,
    /** The configured scenario (rule) that raised it, and the zone or line it watches. */
    scenario: name,
    zone: name.optional(),
    ...incidentTimes,
    objectCount: z.number().int().nonnegative(),
    /** At most CONTRACT_LIMITS.objects, the highest scores; `objectCount` says how many there were. */
    objects: boundedArray(EventObjectSchema, L.objects),
    /** Running counts a counting rule keeps, e.g. a line's crossings { a_to_b: 12, b_to_a: 7 }. */
    counts: boundedRecord(z.number().int().nonnegative()).optional(),
    model: z.object({ name, version: name, sha256 }),
    frame: z.object({ width: z.number().int().positive(), height: z.number().int().positive() }),
    /** Filled by the evidence stage; absent until the files exist. */
    evidence: z
      .object({
        snapshot: EvidenceFileSchema.optional(),
        snapshotAnnotated: EvidenceFileSchema.optional(),
        /** The same place before the change (a drone baseline's crop), beside the snapshot of after. */
        before: EvidenceFileSchema.optional(),
        clip: EvidenceFileSchema.extend({
          startsAt: isoTime,
          endsAt: isoTime,
        })
          .refine((clip) => Date.parse(clip.endsAt) >= Date.parse(clip.startsAt), {
            path: ['endsAt'],
            message: 'endsAt is before startsAt',
          })
          .optional(),
        /**
         * Files the edge could not produce (disk full, recorder down): the event went out without
         * them rather than not at all. Absent when nothing is missing.
         */
        missing: z.array(EvidenceMissingSchema).max(4).optional(),
      })
      .default({}),
    /** Trucks that telemetry places near the camera at the time (muck-truck events); absent without telemetry. */
    vehicles: boundedArray(VehicleCandidateSchema, L.vehicles).optional(),
    /** The outline of what was found (drone structures); absent where the objects' boxes say it all. */
    geometry: EventGeometrySchema.optional(),
    /** `camera_fault` events: what is wrong with the camera. */
    fault: CameraFaultSchema.optional(),
    /** Models in shadow mode on this camera: what each said of the snapshot frame. */
    shadow: boundedArray(ShadowVerdictSchema, 4).optional(),
  })
  .superRefine(timesInOrder);

export type EdgeEvent = z.infer<typeof EventSchema>;
export type EventObject = z.infer<typeof EventObjectSchema>;

/** Parses a payload from the wire; the error message names every field at fault. */
export function parseEvent(payload: unknown): { ok: true; event: EdgeEvent } | { ok: false; error: string } {
  const parsed = EventSchema.safeParse(payload);
  if (parsed.success) return { ok: true, event: parsed.data };
  return { ok: false, error: z.prettifyError(parsed.error) };
}

// ---------------------------------------------------------------------------------------------
// Device events: incidents raised by rules over IoT telemetry (iot/rules/), on an edge hub or in
// the cloud. Same identity, phases and times as camera events; published on the same topic layout
// (`topics.deviceEvent`) so one subscription and one outbox carry both.

export const DeviceEventTypeSchema = z.enum([
  /** A muck truck inside a no-go area (in its hours). */
  'muck_truck_no_go',
  /** A muck truck off its permitted route, or driving outside its permitted hours. */
  'muck_truck_off_route',
  /** A muck truck standing at an unapproved spot: suspected illegal dumping. */
  'illegal_dumping',
  'speeding',
  'dust_exceedance',
  'noise_exceedance',
  /** A device stopped reporting. */
  'device_silent',
]);
export type DeviceEventType = z.infer<typeof DeviceEventTypeSchema>;

export const GeoPointSchema = z.object({
  lat: z.number().min(-90).max(90),
  lon: z.number().min(-180).max(180),
});

/** What the rule saw of its measured quantity over the incident so far. */
export const ReadingSummarySchema = z.object({
  /** The quantity: a sensor kind (pm10, noise) or speed_kmh, dwell_seconds. */
  metric: name,
  unit: name,
  count: z.number().int().nonnegative(),
  min: z.number(),
  max: z.number(),
  mean: z.number(),
  last: z.number(),
  /** The configured limit the rule compares with, when it has one. */
  limit: z.number().optional(),
});

export const DeviceEventSchema = z
  .object({
    ...incidentHead,
    type: DeviceEventTypeSchema,
    phase: EventPhaseSchema,
    source: z.literal('device'),
    /** The node whose rule engine raised it: an edge hub's id or a cloud rule node's. */
    nodeId: id,
    deviceId: text(L.idChars),
    plate: text(16).optional(),
    /** The configured rule that raised it, and the geofence it watches. */
    rule: name,
    zone: name.optional(),
    /** Where the device was at `observedAt` (last known position or the sensor's site). */
    location: GeoPointSchema.optional(),
    ...incidentTimes,
    readings: ReadingSummarySchema.optional(),
  })
  .superRefine(timesInOrder);
export type DeviceEvent = z.infer<typeof DeviceEventSchema>;

/** Any incident message on an event topic: a camera event (no `source`, or `camera`) or a device event. */
export type IncidentMessage = EdgeEvent | DeviceEvent;

/**
 * Parses any incident message from the wire, choosing the schema by `source`: `device` is a device
 * event, anything else (absent included) a camera event, exactly as `parseEvent` reads it.
 */
export function parseIncidentMessage(
  payload: unknown,
): { ok: true; event: IncidentMessage } | { ok: false; error: string } {
  const isDevice =
    typeof payload === 'object' && payload !== null && (payload as { source?: unknown }).source === 'device';
  if (!isDevice) return parseEvent(payload);
  const parsed = DeviceEventSchema.safeParse(payload);
  if (parsed.success) return { ok: true, event: parsed.data };
  return { ok: false, error: z.prettifyError(parsed.error) };
}

export function isDeviceEvent(event: IncidentMessage): event is DeviceEvent {
  return event.source === 'device';
}
