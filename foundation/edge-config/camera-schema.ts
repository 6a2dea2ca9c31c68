import { z } from 'zod';
import { TRACKER_SCORE_DEFAULTS } from './camera-defaults.ts';
import { CameraHealthSchema } from './camera-health-schema.ts';
import { CameraSuppressionSchema } from './camera-suppression-schema.ts';
import { Fraction, Id } from './config-fields.ts';
import { alwaysWhenObject, checkCameraReferences } from './config-references.ts';
import { DEFAULT_DETECTOR_ALIAS } from './models-schema.ts';
import { SourceSchema, WatchdogSchema } from './source-schema.ts';
import { PolygonSchema, ZoneSchema } from './zone-schema.ts';

const MotionSchema = z.strictObject({
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
const TrackerSchema = z
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
    const high = t.highScore ?? TRACKER_SCORE_DEFAULTS.highScore;
    const low = t.lowScore ?? TRACKER_SCORE_DEFAULTS.lowScore;
    const newTrack = t.newTrackScore ?? TRACKER_SCORE_DEFAULTS.newTrackScore;
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

/**
 * One camera: its source, how it is analysed, its zones and the scenarios watched in them. The
 * scenario types and their schemas are the edge's (edge/scenarios/registry.ts): the edge passes
 * its registry's union; the cloud, which may not import the edge, passes ScenarioEnvelopeSchema and
 * leaves the last word on scenario fields to the edge (see fleet-config-schema.ts).
 */
export function cameraSchema<Scenario extends z.ZodType>(scenario: Scenario) {
  return z
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
      /**
       * Aliases (under `models`) of trained verifiers (task `verify`) run on the detections of their
       * labels before tracking; a detection one rejects is dropped (npm run models -- train-verifier).
       */
      verifiers: z.array(Id).default(() => []),
      watchdog: WatchdogSchema.prefault({}),
      motion: MotionSchema.prefault({}),
      tracker: TrackerSchema.prefault({}),
      zones: z.array(ZoneSchema).default(() => []),
      scenarios: z.array(scenario).default(() => []),
      /** Regions learned from operators' "not an object" verdicts (edge/suppress/). */
      suppression: CameraSuppressionSchema.prefault({}),
      /** The camera's health diagnosis: faults that become maintenance incidents (edge/health/). */
      health: CameraHealthSchema.prefault({}),
    })
    .superRefine((camera: unknown, ctx) => checkCameraReferences(camera, ctx), { when: alwaysWhenObject });
}
