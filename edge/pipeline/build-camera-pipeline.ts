import { pointInPolygon, toPixels } from '../../foundation/geometry/image-plane.ts';
import type { RawImage } from '../../foundation/media/frame.ts';
import { DEFAULT_OCCUPATION_MODEL, OccupationModel } from '../background/occupation-model.ts';
import type { CameraConfig } from '../config/camera-schema.ts';
import type { Detection } from '../detect/types.ts';
import type { PlateReaderSettings, ReadPlate } from '../plates/plate-reader.ts';
import { warmUpSeconds } from '../rules/incident-resume.ts';
import type { ClassifyCrop } from '../rules/scenario-rule.ts';
import { scenarioBehaviour, scenarioName } from '../scenarios/registry.ts';
import { type RegionSource, SuppressionFilter } from '../suppress/suppression-filter.ts';
import { ByteTracker, COCO_VEHICLE_GROUP } from '../track/byte-tracker.ts';
import { type CameraVerifier, verifierFilters } from '../verify/verifier-filter.ts';
import { CameraPipeline, type ModelIdentity, type ScenarioRuntime } from './camera-pipeline.ts';
import type { DetectionFilter } from './detection-filter.ts';
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
  /** A plate reader over OCR models by their aliases (muck-truck scenarios that read plates). */
  plateReader?: (settings: PlateReaderSettings) => ReadPlate;
  /** The camera's trained verifiers (its `verifiers` aliases), run after suppression. */
  verifiers?: readonly CameraVerifier[];
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
  /** The suppression regions learned from operators (edge/suppress/); absent: none are applied. */
  suppression?: RegionSource | undefined;
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
  const { minScore, classifier, plateReader } = options.models;
  const zones = new Map(camera.zones.map((zone) => [zone.name, zone]));
  // One background model per camera, made only if a scenario asks for it. Rules run on every
  // frame, those the motion gate skips included, so the model sees every frame.
  // The motion masks (parts of the view that move by themselves) are masked from it too.
  let background: OccupationModel | undefined;
  const occupation = () => {
    background ??= new OccupationModel(DEFAULT_OCCUPATION_MODEL, inMasks(camera, width, height));
    return background;
  };
  const scenarios = camera.scenarios.map((scenario): ScenarioRuntime => {
    const behaviour = scenarioBehaviour(scenario);
    const name = scenarioName(scenario);
    return {
      name,
      type: behaviour.eventType,
      zone: behaviour.watches(scenario),
      rule: behaviour.buildRule(
        scenario,
        ruleContext({
          scenario: name,
          zones,
          width,
          height,
          minScore,
          classifier,
          occupation,
          ...(plateReader ? { plateReader } : {}),
        }),
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
    filters: cameraFilters(options),
  });
}

/**
 * The stages between a camera's detection and its tracking, in order: what `edge run`, `edge
 * replay` and `edge detect --config --camera` apply alike.
 */
export function cameraFilters(options: BuildCameraPipelineOptions): DetectionFilter[] {
  const { camera, suppression } = options;
  const filters: DetectionFilter[] = [];
  if (suppression && camera.suppression.enabled) {
    const { enabled: _, ...settings } = camera.suppression;
    filters.push(
      new SuppressionFilter({ cameraId: camera.id, epochMs: options.epochMs, settings, source: suppression }),
    );
  }
  filters.push(...verifierFilters(options.models.verifiers));
  return filters;
}

function inMasks(
  camera: Readonly<CameraConfig>,
  width: number,
  height: number,
): (x: number, y: number) => boolean {
  const masks = camera.motion.masks.map((mask) => toPixels(mask, width, height));
  return (x, y) => masks.some((mask) => pointInPolygon(x, y, mask));
}

function buildMotionGate(camera: Readonly<CameraConfig>, width: number, height: number): MotionGate {
  return new MotionGate({
    ...DEFAULT_MOTION_GATE,
    pixelThreshold: camera.motion.threshold,
    minAreaRatio: camera.motion.minAreaRatio,
    ...(camera.motion.masks.length > 0 ? { masked: inMasks(camera, width, height) } : {}),
  });
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
