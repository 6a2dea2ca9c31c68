import { z } from 'zod';
import { MqttConnectionSchema } from '../../foundation/delivery/mqtt/mqtt-connection-schema.ts';
import { DEFAULT_MODEL } from '../detect/model-manifest.ts';
import { checkUniqueAreaIds, FlightSettingsSchema } from '../drone/flight-config.ts';
import { DEFAULT_TRACKER_OPTIONS } from '../track/byte-tracker.ts';
import { polygonArea, segmentsIntersect } from '../zones/geometry.ts';

/**
 * The edge config file (YAML): the one description of what an edge box watches and reports.
 * Validated once at boot (see load-edge-config.ts) and frozen; nothing else reads the file.
 *
 * Conventions:
 *  - every object is strict: an unknown (e.g. misspelt) field is an error, not silently ignored;
 *  - coordinates of zones, masks and lines are normalised: x and y are fractions (0..1) of the
 *    frame's width and height, origin top-left, y down, so they survive a change of resolution;
 *  - box areas are fractions of the frame's area; speeds are fractions of the frame's diagonal per
 *    second; times are seconds.
 */

/** Ids that end up in MQTT topics and file names: lower-case letters, digits, "_" and "-". */
export const ID_PATTERN = /^[a-z0-9_-]+$/;
const idMessage = 'use only lower-case letters, digits, "_" and "-"';
const Id = z.string().min(1).max(64).regex(ID_PATTERN, idMessage);

const Label = z.string().min(1);
const Labels = z.array(Label).min(1);

/** 0..1: a fraction of the frame's width, height or area, or a score. */
const Fraction = z.number().min(0).max(1);

const Coordinate = z
  .number()
  .min(0, 'coordinates are normalised: at least 0 (left/top edge of the frame)')
  .max(1, 'coordinates are normalised: at most 1 (right/bottom edge of the frame)');

/** A point [x, y], normalised. */
export const PointSchema = z.tuple([Coordinate, Coordinate]);

/**
 * A polygon: at least 3 normalised points in order around the outline (either winding). Refused:
 * a repeated consecutive point, no area (all points on one line), edges that cross each other.
 */
export const PolygonSchema = z
  .array(PointSchema)
  .min(3, 'need at least 3 points')
  .superRefine((points, ctx) => {
    const n = points.length;
    if (n < 3) return;
    for (let i = 0; i < n; i++) {
      const a = points[i] as [number, number];
      const b = points[(i + 1) % n] as [number, number];
      if (a[0] === b[0] && a[1] === b[1]) {
        ctx.addIssue({ code: 'custom', path: [(i + 1) % n], message: `repeats point ${i}` });
        return;
      }
    }
    for (let i = 0; i < n; i++) {
      // Adjacent edges share a corner, so only non-adjacent pairs are compared.
      for (let j = i + 2; j < n; j++) {
        if (i === 0 && j === n - 1) continue;
        const a1 = points[i] as [number, number];
        const a2 = points[(i + 1) % n] as [number, number];
        const b1 = points[j] as [number, number];
        const b2 = points[(j + 1) % n] as [number, number];
        if (segmentsIntersect(a1, a2, b1, b2)) {
          ctx.addIssue({
            code: 'custom',
            message:
              `the edge from point ${i} to ${(i + 1) % n} crosses the edge from point ${j} to ` +
              `${(j + 1) % n}; list the points in order around the outline`,
          });
          return;
        }
      }
    }
    if (polygonArea(points) === 0) {
      ctx.addIssue({ code: 'custom', message: 'the points are all on one line: the polygon has no area' });
    }
  });

// ---------------------------------------------------------------------------------------------
// Models

/**
 * A model the cameras can use, by alias. `manifest` is a model name (its folder under models/) or
 * a path to a manifest .json (relative paths are taken from the config file's folder).
 */
export const ModelRefSchema = z.strictObject({
  manifest: z
    .string()
    .min(1)
    .refine((m) => /^[a-z0-9][a-z0-9._-]*$/.test(m) || m.endsWith('.json'), {
      message: 'a model name (a folder under models/) or a path to a manifest .json',
    }),
});

/** The alias a camera's `models` and scenarios use for the detector when none are configured. */
export const DEFAULT_DETECTOR_ALIAS = 'detector';

// ---------------------------------------------------------------------------------------------
// Cameras

const STREAM_SCHEMES = ['rtsp', 'rtsps', 'http', 'https'] as const;
const SCHEME_PATTERN = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//;

/** Whether a source url is a network stream (rtsp://, rtsps://, http(s):// MJPEG) rather than a file. */
export function isStreamUrl(url: string): boolean {
  const scheme = SCHEME_PATTERN.exec(url)?.[1]?.toLowerCase();
  return scheme !== undefined && (STREAM_SCHEMES as readonly string[]).includes(scheme);
}

export const SourceSchema = z
  .strictObject({
    /**
     * A video file path (relative paths are taken from the config file's folder), or a stream:
     * rtsp://, rtsps://, or http(s):// serving MJPEG.
     */
    url: z
      .string()
      .trim()
      .min(1)
      .superRefine((url, ctx) => {
        const scheme = SCHEME_PATTERN.exec(url)?.[1];
        if (scheme !== undefined && !isStreamUrl(url)) {
          ctx.addIssue({
            code: 'custom',
            message: `unsupported scheme "${scheme}://": use a file path, rtsp://, rtsps://, http:// or https:// (MJPEG)`,
          });
        } else if (scheme !== undefined && url.length <= scheme.length + 3) {
          ctx.addIssue({ code: 'custom', message: 'the url has no host' });
        }
      }),
    /**
     * The stream evidence clips are recorded from, when it differs from `url`: typically the
     * camera's full-resolution main stream while `url` is a sub-stream for analysis.
     */
    recordUrl: z.string().trim().min(1).optional(),
    /** RTSP transport; ignored for files and http. */
    transport: z.enum(['tcp', 'udp']).default('tcp'),
    /** Restart a file from the beginning when it ends (demos, soak tests). Files only. */
    loop: z.boolean().default(false),
    /** ffmpeg -hwaccel value (e.g. "cuda", "vaapi", "videotoolbox"); absent: software decoding. */
    hwaccel: z.string().min(1).optional(),
  })
  .superRefine((source, ctx) => {
    if (source.loop && isStreamUrl(source.url)) {
      ctx.addIssue({ code: 'custom', path: ['loop'], message: 'loop applies to file sources only' });
    }
  });

export const WatchdogSchema = z
  .strictObject({
    /** No frame for this long: the source is considered stalled and is restarted. */
    stallSeconds: z.number().positive().default(10),
    /** First wait before a restart; doubles on each failure up to backoffMaxSeconds. */
    backoffInitialSeconds: z.number().positive().default(1),
    backoffMaxSeconds: z.number().positive().default(60),
  })
  .refine((w) => w.backoffMaxSeconds >= w.backoffInitialSeconds, {
    path: ['backoffMaxSeconds'],
    message: 'must be at least backoffInitialSeconds',
  });

export const MotionSchema = z.strictObject({
  /** Skip detection on frames without motion (saves the detector on a quiet scene). */
  enabled: z.boolean().default(true),
  /** Change in a pixel's grey level (0..255) that counts the pixel as moving. */
  threshold: z.number().int().min(1).max(255).default(25),
  /** Fraction of the (unmasked) frame that must be moving for the frame to count as motion. */
  minAreaRatio: Fraction.default(0.002),
  /** Areas ignored by motion detection (trees in wind, a clock, a TV screen). */
  masks: z.array(PolygonSchema).default(() => []),
  /** Without motion, objects already tracked are re-detected only this often (they are assumed still). */
  recheckSeconds: z.number().positive().default(1),
});

/** ByteTrack settings; the defaults suit the shipped detector (see edge/track/byte-tracker.ts). */
export const TrackerSchema = z
  .strictObject({
    /** A detection scoring at least this starts a new track. Lower it for small, far objects. */
    newTrackScore: Fraction.optional(),
    /** Detections from this score take part in the first association. */
    highScore: Fraction.optional(),
    /** Detections from this score up to highScore can only keep existing tracks alive. */
    lowScore: Fraction.optional(),
    /** How long a track whose object vanished is kept to be found again (brief occlusions). */
    trackBufferSeconds: z.number().positive().optional(),
  })
  .superRefine((t, ctx) => {
    const high = t.highScore ?? DEFAULT_TRACKER_OPTIONS.highScore;
    const low = t.lowScore ?? DEFAULT_TRACKER_OPTIONS.lowScore;
    const newTrack = t.newTrackScore ?? DEFAULT_TRACKER_OPTIONS.newTrackScore;
    if (newTrack < high) {
      ctx.addIssue({
        code: 'custom',
        path: ['newTrackScore'],
        message: `must be at least highScore (${high})`,
      });
    }
    if (low > high) {
      ctx.addIssue({ code: 'custom', path: ['lowScore'], message: `must be at most highScore (${high})` });
    }
  });

export const ZoneFiltersSchema = z
  .strictObject({
    /** Only these labels count in the zone; absent: every label. */
    labels: Labels.optional(),
    /** Box area bounds as fractions (0..1) of the frame's area, bounds included. */
    minArea: Fraction.optional(),
    maxArea: Fraction.optional(),
    /** Detections scoring below this do not count in the zone. */
    minScore: Fraction.optional(),
  })
  .refine((f) => f.minArea === undefined || f.maxArea === undefined || f.minArea <= f.maxArea, {
    path: ['maxArea'],
    message: 'must be at least minArea',
  });

/** A named area of a camera's view. An object is in it by its bottom-centre point (its feet). */
export const ZoneSchema = z.strictObject({
  /** Unique per camera; scenarios refer to the zone by it, events carry it. */
  name: Id,
  points: PolygonSchema,
  filters: ZoneFiltersSchema.prefault({}),
});

// ---------------------------------------------------------------------------------------------
// Scenarios

const Seconds = z.number().positive();
const ZoneRef = z.string().min(1);
/** Unique per camera; events carry it. Absent: `<type>_<zone>` (see scenarioName). */
const ScenarioName = Id.optional();

/** How an incident is reported: when it ends, and how often it may be updated. */
function incidentTiming(clearSecondsDefault: number) {
  return {
    /** How long the condition must stay false before the incident is ended. */
    clearSeconds: Seconds.default(clearSecondsDefault),
    /** Updates (sent only on a material change: more objects, a clearly better frame) come at most this often. */
    minUpdateSeconds: Seconds.default(10),
  };
}

/**
 * An object counts as stationary while its feet stay within this distance of where it settled,
 * as a fraction of the frame's diagonal.
 */
const StationaryRadius = z.number().positive().max(1).default(0.02);

/** People lingering by objects a street stall is made of, in the zone, without moving on. */
export const StreetVendingSchema = z.strictObject({
  type: z.literal('street_vending'),
  name: ScenarioName,
  zone: ZoneRef,
  personLabels: Labels.default(() => ['person']),
  stallLabels: Labels.default(() => [
    'umbrella',
    'dining table',
    'chair',
    'bench',
    'bicycle',
    'handbag',
    'backpack',
    'suitcase',
  ]),
  /** How long the stall must stay before it is reported. */
  minDwellSeconds: Seconds.default(60),
  /** Stationary objects (people and stall objects) needed together. */
  minObjects: z.number().int().min(1).default(2),
  /**
   * Of those, how many must be stall objects. 0 lets a group of people standing still count on
   * its own (for a detector that knows no stall objects); it then behaves like a group loitering.
   */
  minStallObjects: z.number().int().min(0).default(1),
  stationaryRadius: StationaryRadius,
  ...incidentTiming(30),
});

/** Trucks in the zone whose load is uncovered, confirmed by a second-stage classifier. */
export const MuckTruckSchema = z.strictObject({
  type: z.literal('muck_truck'),
  name: ScenarioName,
  zone: ZoneRef,
  vehicleLabels: Labels.default(() => ['truck']),
  /** Frames a vehicle must be tracked before it is classified. */
  minTrackFrames: z.number().int().min(1).default(5),
  /** Smallest box (fraction of the frame area) worth classifying. */
  minBoxArea: Fraction.default(0.01),
  /** Alias (under `models`) of the covered/uncovered classifier. */
  classifier: Id,
  /** Classifications in a row saying "uncovered" before the event is raised. */
  confirmFrames: z.number().int().min(1).default(3),
  /** Classifier score from which a load counts as uncovered. */
  uncoveredScore: Fraction.default(0.5),
  /** The classifier's label for an uncovered load. */
  uncoveredLabel: Label.default('uncovered'),
  /**
   * The part of the vehicle's box that holds the load, as fractions [x1, y1, x2, y2] of the box;
   * the default, its upper half, is the load bed seen from an elevated street camera.
   */
  cargoRegion: z
    .tuple([Fraction, Fraction, Fraction, Fraction])
    .default([0, 0, 1, 0.5])
    .refine(([x1, y1, x2, y2]) => x2 > x1 && y2 > y1, { message: 'need x1 < x2 and y1 < y2' }),
  ...incidentTiming(30),
});

/** An object of one of the labels staying in the zone longer than minDwellSeconds. */
export const LoiteringSchema = z.strictObject({
  type: z.literal('loitering'),
  name: ScenarioName,
  zone: ZoneRef,
  labels: Labels,
  minDwellSeconds: Seconds,
  /** Objects needed in the zone together (a group rather than one person). */
  minObjects: z.number().int().min(1).default(1),
  ...incidentTiming(10),
});

/** A vehicle staying in the zone longer than maxSeconds. */
export const ParkingSchema = z.strictObject({
  type: z.literal('parking'),
  name: ScenarioName,
  zone: ZoneRef,
  labels: Labels.default(() => ['car', 'truck', 'bus']),
  maxSeconds: Seconds,
  stationaryRadius: StationaryRadius,
  ...incidentTiming(30),
});

/**
 * An object crossing the line segment from line[0] to line[1] (by its bottom-centre point).
 * Side A is the left of the line looking from line[0] towards line[1] on screen, side B its right
 * (sideOfLine -1 and 1 in zones/geometry.ts); `a_to_b` counts crossings from A to B only.
 */
export const LineCrossingSchema = z
  .strictObject({
    type: z.literal('line_crossing'),
    /** Unique per camera among line crossings; events carry it. */
    name: Id,
    line: z.tuple([PointSchema, PointSchema]),
    labels: Labels,
    direction: z.enum(['any', 'a_to_b', 'b_to_a']).default('any'),
    /**
     * Crossings no more than clearSeconds apart make one incident (a burst of traffic), its updates
     * carrying the running counts; a quiet line ends it.
     */
    ...incidentTiming(10),
  })
  .refine((s) => s.line[0][0] !== s.line[1][0] || s.line[0][1] !== s.line[1][1], {
    path: ['line'],
    message: 'the two ends of the line are the same point',
  });

const scenarioOptions = [
  StreetVendingSchema,
  MuckTruckSchema,
  LoiteringSchema,
  ParkingSchema,
  LineCrossingSchema,
] as const;
export const SCENARIO_TYPES = [
  'street_vending',
  'muck_truck',
  'loitering',
  'parking',
  'line_crossing',
] as const;

export const ScenarioSchema = z.discriminatedUnion('type', [...scenarioOptions], {
  error: (issue) => {
    if (issue.code !== 'invalid_union') return undefined;
    const input = issue.input;
    const type = isRecord(input) ? input.type : undefined;
    const expected = `expected one of ${SCENARIO_TYPES.join(', ')}`;
    if (type === undefined) return `required: the scenario type, ${expected}`;
    return `unknown scenario type ${JSON.stringify(type)}; ${expected}`;
  },
});

// ---------------------------------------------------------------------------------------------
// Camera

export const CameraSchema = z
  .strictObject({
    /** Unique per edge; used in MQTT topics. */
    id: Id,
    /** For people: "North gate, looking east". */
    name: z.string().min(1).optional(),
    location: z
      .strictObject({
        lat: z.number().min(-90).max(90),
        lon: z.number().min(-180).max(180),
      })
      .optional(),
    source: SourceSchema,
    /** Frames per second analysed (the source is sampled down to this), 0 < fps ≤ 30. */
    fps: z.number().positive().max(30).default(5),
    /** Size the frame is scaled to for detection; absent: the model's input size. */
    detect: z
      .strictObject({
        width: z.number().int().positive().max(8192),
        height: z.number().int().positive().max(8192),
      })
      .optional(),
    /** Aliases (under `models`) of the models run on every analysed frame. */
    models: z
      .array(Id)
      .min(1)
      .default(() => [DEFAULT_DETECTOR_ALIAS]),
    watchdog: WatchdogSchema.prefault({}),
    motion: MotionSchema.prefault({}),
    tracker: TrackerSchema.prefault({}),
    zones: z.array(ZoneSchema).default(() => []),
    scenarios: z.array(ScenarioSchema).default(() => []),
  })
  // Cross-references within the camera. Runs even when other fields have problems, so that every
  // problem is reported at once; it reads the (possibly partly invalid) value defensively.
  .superRefine((camera: unknown, ctx) => checkCameraReferences(camera, ctx), { when: alwaysWhenObject });

// ---------------------------------------------------------------------------------------------
// Edge

export const DeliverySchema = z.strictObject({
  /** Pending messages past which the oldest `update`s are dropped (never start or end). */
  maxPending: z.number().int().min(100).default(50_000),
  /** How often the retained status is refreshed with per-camera health. */
  heartbeatSeconds: z.number().positive().default(30),
});

export const EvidenceSchema = z
  .strictObject({
    /** JPEGs of each incident's best frame, clean and annotated. */
    snapshots: z
      .strictObject({
        enabled: z.boolean().default(true),
        quality: z.number().int().min(30).max(100).default(85),
      })
      .prefault({}),
    /**
     * MP4 clips cut from a rolling buffer of segments copied (not re-encoded) from each camera's
     * stream (`source.recordUrl`, else `source.url`). HTTP (MJPEG) sources cannot be recorded.
     */
    clips: z
      .strictObject({
        enabled: z.boolean().default(true),
        preRollSeconds: z.number().min(0).max(60).default(5),
        postRollSeconds: z.number().min(0).max(120).default(10),
        /** A longer incident's clip keeps its first part only. */
        maxSeconds: z.number().positive().max(3600).default(120),
        segmentSeconds: z.number().min(0.5).max(60).default(2),
        /** Per camera: the segment buffer's bytes and age at most. */
        bufferMaxMegabytes: z.number().positive().default(1024),
        bufferMaxMinutes: z.number().positive().default(60),
      })
      .prefault({}),
    /**
     * Evidence files kept on this box at most; the oldest go first, files still waiting for upload
     * only when nothing else is left.
     */
    maxMegabytes: z.number().positive().default(2048),
    /** The cloud's evidence endpoint (contract/evidence-upload.ts); absent: files stay on this box. */
    upload: z
      .strictObject({
        url: z.string().regex(/^https?:\/\/\S+$/, 'use http:// or https:// and a host'),
        token: z.string().min(1).optional(),
        chunkKilobytes: z.number().int().min(16).max(8192).default(1024),
      })
      .optional(),
  })
  .refine((e) => e.clips.maxSeconds > e.clips.preRollSeconds, {
    path: ['clips', 'maxSeconds'],
    message: 'must be longer than preRollSeconds',
  });

export const LiveViewSchema = z.strictObject({
  /** A websocket relay (MPEG-1 for JSMpeg) per camera, started when its live page is first opened. */
  enabled: z.boolean().default(true),
  /** The first camera's websocket port; the next cameras take the ports after it. */
  basePort: z.number().int().min(1).max(65000).default(9100),
});

export const ApiSchema = z.strictObject({
  port: z.number().int().min(1).max(65535).default(8088),
  host: z.string().min(1).default('127.0.0.1'),
});

/**
 * Drone flights compared on this box: the flight settings of `edge flight` (areas, model,
 * registration, detection), a folder the watcher takes flights from, and where the local API's
 * uploads go. Paths are relative to the config file.
 */
export const DroneSchema = FlightSettingsSchema.extend({
  /** Folder that flights land in, one sub-folder each; each is compared once its files settle. */
  inbox: z.string().min(1),
  /** Where `PUT /flights/:flightId/images/:fileName` stores uploads; default `<dataDir>/flight-uploads`. */
  uploadDir: z.string().min(1).optional(),
  /** A flight is taken once its files have not changed for this long. */
  settleSeconds: z.number().nonnegative().default(5),
  pollSeconds: z.number().positive().default(2),
}).superRefine(checkUniqueAreaIds);

export const EdgeConfigSchema = z
  .strictObject({
    /** This edge box's id; used in MQTT topics. */
    edgeId: Id,
    /** IANA time zone (e.g. "Asia/Shanghai") for schedules and local times in events; absent: the host's. */
    timezone: z
      .string()
      .refine(isTimeZone, { message: 'not a known IANA time zone (e.g. "Europe/London")' })
      .optional(),
    /** Models by alias; absent: the default detector as "detector". */
    models: z
      .record(z.string().regex(ID_PATTERN, idMessage), ModelRefSchema)
      .default(() => ({ [DEFAULT_DETECTOR_ALIAS]: { manifest: DEFAULT_MODEL } })),
    cameras: z.array(CameraSchema).min(1, 'need at least 1 camera'),
    /** Where events go. Optional in the file; its defaults always apply. */
    mqtt: MqttConnectionSchema.prefault({}),
    /** The local HTTP API. Optional in the file; its defaults always apply. */
    api: ApiSchema.prefault({}),
    /** Folder for the outbox, evidence and the clip buffer; relative to the config file. */
    dataDir: z.string().min(1).default('data'),
    delivery: DeliverySchema.prefault({}),
    evidence: EvidenceSchema.prefault({}),
    live: LiveViewSchema.prefault({}),
    /** Drone flights; absent: this box takes none. */
    drone: DroneSchema.optional(),
  })
  .superRefine((config: unknown, ctx) => checkEdgeReferences(config, ctx), { when: alwaysWhenObject });

export type EdgeConfig = z.infer<typeof EdgeConfigSchema>;
export type ModelRef = z.infer<typeof ModelRefSchema>;
export type DroneConfig = z.infer<typeof DroneSchema>;
export type CameraConfig = z.infer<typeof CameraSchema>;
export type SourceConfig = z.infer<typeof SourceSchema>;
export type WatchdogConfig = z.infer<typeof WatchdogSchema>;
export type MotionConfig = z.infer<typeof MotionSchema>;
export type ZoneConfig = z.infer<typeof ZoneSchema>;
export type ZoneFilters = z.infer<typeof ZoneFiltersSchema>;
export type ScenarioConfig = z.infer<typeof ScenarioSchema>;
export type TrackerConfig = z.infer<typeof TrackerSchema>;
export type ScenarioType = ScenarioConfig['type'];
export type StreetVendingConfig = z.infer<typeof StreetVendingSchema>;
export type MuckTruckConfig = z.infer<typeof MuckTruckSchema>;
export type LoiteringConfig = z.infer<typeof LoiteringSchema>;
export type ParkingConfig = z.infer<typeof ParkingSchema>;
export type LineCrossingConfig = z.infer<typeof LineCrossingSchema>;
export type ApiConfig = z.infer<typeof ApiSchema>;
export type DeliveryConfig = z.infer<typeof DeliverySchema>;
export type EvidenceConfig = z.infer<typeof EvidenceSchema>;
export type LiveViewConfig = z.infer<typeof LiveViewSchema>;
export type PointConfig = z.infer<typeof PointSchema>;
export type PolygonConfig = z.infer<typeof PolygonSchema>;

/** The name events carry for a scenario: its own, or `<type>_<zone>`. */
export function scenarioName(scenario: ScenarioConfig): string {
  if (scenario.name !== undefined) return scenario.name;
  return scenario.type === 'line_crossing' ? scenario.name : `${scenario.type}_${scenario.zone}`;
}

// ---------------------------------------------------------------------------------------------
// Cross-reference checks. They see the value as parsed so far, which may be partly invalid (a
// field may still hold its raw input), so they read it as unknown and check only what is usable.

type RefinementCtx = z.RefinementCtx<unknown>;

function alwaysWhenObject(payload: { value: unknown }): boolean {
  return isRecord(payload.value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function records(value: unknown): Array<Record<string, unknown> | undefined> {
  return Array.isArray(value) ? value.map((item) => (isRecord(item) ? item : undefined)) : [];
}

function stringAt(value: Record<string, unknown> | undefined, key: string): string | undefined {
  const field = value?.[key];
  return typeof field === 'string' ? field : undefined;
}

/** Reports every item after the first whose `key` repeats an earlier item's. */
function checkUnique(
  items: Array<Record<string, unknown> | undefined>,
  key: string,
  what: string,
  collection: string,
  ctx: RefinementCtx,
): void {
  const firstIndex = new Map<string, number>();
  items.forEach((item, index) => {
    const value = stringAt(item, key);
    if (value === undefined) return;
    const first = firstIndex.get(value);
    if (first === undefined) {
      firstIndex.set(value, index);
      return;
    }
    ctx.addIssue({
      code: 'custom',
      path: [collection, index, key],
      message: `duplicate ${what} "${value}" (also ${collection}[${first}])`,
    });
  });
}

function checkCameraReferences(camera: unknown, ctx: RefinementCtx): void {
  if (!isRecord(camera)) return;
  const zones = records(camera.zones);
  checkUnique(zones, 'name', 'zone name', 'zones', ctx);
  const scenarios = records(camera.scenarios);
  const named = scenarios.map((s) => {
    const type = stringAt(s, 'type');
    const name = stringAt(s, 'name') ?? (type === undefined ? undefined : `${type}_${stringAt(s, 'zone')}`);
    return name === undefined ? undefined : { name };
  });
  checkUnique(named, 'name', 'scenario name', 'scenarios', ctx);

  if (!Array.isArray(camera.zones)) return;
  const zoneNames = zones.map((z) => stringAt(z, 'name')).filter((n) => n !== undefined);
  scenarios.forEach((scenario, index) => {
    const zone = stringAt(scenario, 'zone');
    if (zone === undefined || zoneNames.includes(zone)) return;
    const cameraId = stringAt(camera, 'id');
    const known = zoneNames.length > 0 ? `zones: ${zoneNames.join(', ')}` : 'it has no zones';
    ctx.addIssue({
      code: 'custom',
      path: ['scenarios', index, 'zone'],
      message: `no zone named "${zone}" on camera${cameraId === undefined ? '' : ` "${cameraId}"`} (${known})`,
    });
  });
}

function checkEdgeReferences(config: unknown, ctx: RefinementCtx): void {
  if (!isRecord(config)) return;
  const cameras = records(config.cameras);
  checkUnique(cameras, 'id', 'camera id', 'cameras', ctx);

  // An alias the schema already refused (or a models value that is not a mapping) would make every
  // reference to it look dangling; report the models problem alone.
  if (!isRecord(config.models) || ctx.issues.some((issue) => issue.path?.[0] === 'models')) return;
  const aliases = Object.keys(config.models);
  const known = aliases.length > 0 ? `models: ${aliases.join(', ')}` : 'no models are configured';
  const checkAlias = (alias: unknown, path: (string | number)[]) => {
    if (typeof alias === 'string' && !aliases.includes(alias)) {
      ctx.addIssue({ code: 'custom', path, message: `no model with alias "${alias}" (${known})` });
    }
  };
  cameras.forEach((camera, c) => {
    if (Array.isArray(camera?.models)) {
      camera.models.forEach((alias: unknown, m) => {
        checkAlias(alias, ['cameras', c, 'models', m]);
      });
    }
    records(camera?.scenarios).forEach((scenario, s) => {
      if (stringAt(scenario, 'type') === 'muck_truck') {
        checkAlias(scenario?.classifier, ['cameras', c, 'scenarios', s, 'classifier']);
      }
    });
  });
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
