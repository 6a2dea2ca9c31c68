import { pointInPolygon, toPixels } from '../../foundation/geometry/image-plane.ts';
import type { RawImage } from '../../foundation/media/frame.ts';
import type { CameraConfig } from '../config/camera-schema.ts';
import type { Detection } from '../detect/types.ts';
import { warmUpSeconds } from '../rules/incident-resume.ts';
import type { ClassifyCrop } from '../rules/scenario-rule.ts';
import { scenarioBehaviour, scenarioName } from '../scenarios/registry.ts';
import { ByteTracker, COCO_VEHICLE_GROUP } from '../track/byte-tracker.ts';
import { CameraPipeline, type ModelIdentity, type ScenarioRuntime } from './camera-pipeline.ts';
import { DEFAULT_MOTION_GATE, MotionGate } from './motion-gate.ts';
import { ruleContext } from './rule-context.ts';

/** What a camera's pipeline needs from the models the edge loaded for it. */
export interface CameraModels {
  /** The camera's detectors on one frame, merged. */
  detect: (frame: RawImage) => Promise<Detection[]>;
  /** The first detector's identity, which events carry. */
  model: ModelIdentity;
  /**
   * The detector's own score threshold. The tracker also takes weaker detections (they keep tracks
   * alive), so a zone without a minScore of its own counts objects only from this score: a static
   * false positive at 0.3 must not loiter for ever.
   */
  minScore: number;
  /** A classifier by its alias under `models` (muck-truck scenarios). */
  classifier: (alias: string) => ClassifyCrop;
}

export interface BuildCameraPipelineOptions {
  edgeId: string;
  camera: Readonly<CameraConfig>;
  /** Size of the analysed frames: zones, lines and masks are resolved to its pixels. */
  frameWidth: number;
  frameHeight: number;
  /** Wall-clock milliseconds at stream time 0. */
  epochMs: number;
  models: CameraModels;
}

/** A better frame for an update is one whose confidence is this much higher. */
const UPDATE_SCORE_GAIN = 0.1;

/**
 * Turns one camera's validated config into its running pipeline: zones resolved to the analysed
 * frame's pixels, each scenario into its type's rule (see edge/scenarios/registry.ts) plus an
 * incident lifecycle, the motion gate with its masks, and a tracker.
 */
export function buildCameraPipeline(options: BuildCameraPipelineOptions): CameraPipeline {
  const { camera, frameWidth: width, frameHeight: height } = options;
  const { minScore, classifier } = options.models;
  const zones = new Map(camera.zones.map((zone) => [zone.name, zone]));
  const scenarios = camera.scenarios.map((scenario): ScenarioRuntime => {
    const behaviour = scenarioBehaviour(scenario);
    const name = scenarioName(scenario);
    return {
      name,
      type: behaviour.eventType,
      zone: behaviour.watches(scenario),
      rule: behaviour.buildRule(
        scenario,
        ruleContext({ scenario: name, zones, width, height, minScore, classifier }),
      ),
      lifecycle: {
        clearSeconds: scenario.clearSeconds,
        minUpdateSeconds: scenario.minUpdateSeconds,
        scoreGain: UPDATE_SCORE_GAIN,
      },
      warmUpSeconds: warmUpSeconds(scenario, camera.fps),
    };
  });
  return new CameraPipeline({
    edgeId: options.edgeId,
    cameraId: camera.id,
    epochMs: options.epochMs,
    detect: options.models.detect,
    model: options.models.model,
    tracker: new ByteTracker({
      ...definedOnly(camera.tracker),
      labelGroups: [COCO_VEHICLE_GROUP],
    }),
    ...(camera.motion.enabled ? { motionGate: buildMotionGate(camera, width, height) } : {}),
    stillRecheckSeconds: camera.motion.recheckSeconds,
    scenarios,
  });
}

function buildMotionGate(camera: Readonly<CameraConfig>, width: number, height: number): MotionGate {
  const masks = camera.motion.masks.map((mask) => toPixels(mask, width, height));
  return new MotionGate({
    ...DEFAULT_MOTION_GATE,
    pixelThreshold: camera.motion.threshold,
    minAreaRatio: camera.motion.minAreaRatio,
    ...(masks.length > 0 ? { masked: (x, y) => masks.some((mask) => pointInPolygon(x, y, mask)) } : {}),
  });
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
