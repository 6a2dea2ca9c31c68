import type { EventType } from '../../foundation/contract/events.ts';
import type { RawImage } from '../../foundation/media/frame.ts';
import {
  type CameraConfig,
  type ScenarioConfig,
  scenarioName,
  type ZoneConfig,
} from '../config/edge-config-schema.ts';
import type { Detection } from '../detect/types.ts';
import { type DwellRule, DwellScenario } from '../rules/dwell-rule.ts';
import { LineCrossingRule } from '../rules/line-crossing-rule.ts';
import { type ClassifyCrop, MuckTruckRule } from '../rules/muck-truck-rule.ts';
import type { ScenarioRule } from '../rules/scenario-rule.ts';
import type { PresenceOptions, TrackedInput } from '../rules/zone-presence.ts';
import { ByteTracker, COCO_VEHICLE_GROUP } from '../track/byte-tracker.ts';
import { boxArea, pointInPolygon, toPixels } from '../zones/geometry.ts';
import { objectInZone, zoneToPixels } from '../zones/zone-filter.ts';
import { CameraPipeline, type ModelIdentity, type ScenarioRuntime } from './camera-pipeline.ts';
import { DEFAULT_MOTION_GATE, MotionGate } from './motion-gate.ts';

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

/** Scenario types in config → the event type their incidents carry. */
const EVENT_TYPES: Record<ScenarioConfig['type'], EventType> = {
  street_vending: 'street_vending',
  muck_truck: 'muck_truck_uncovered',
  loitering: 'loitering',
  parking: 'parking',
  line_crossing: 'line_crossing',
};

/** A lost object is kept in its zone this long before it has left (brief occlusions). */
const EXIT_GRACE_SECONDS = 2;
/** A new track this close (fraction of the frame diagonal) to where one vanished, this soon, continues it. */
const REASSOCIATE_RADIUS = 0.04;
const REASSOCIATE_SECONDS = 5;
/** A better frame for an update is one whose confidence is this much higher. */
const UPDATE_SCORE_GAIN = 0.1;

/**
 * Turns one camera's validated config into its running pipeline: zones resolved to the analysed
 * frame's pixels, each scenario into a rule plus an incident lifecycle, the motion gate with its
 * masks, and a tracker. This is the only place that knows how config maps onto rules.
 */
export function buildCameraPipeline(options: BuildCameraPipelineOptions): CameraPipeline {
  const { camera, frameWidth: width, frameHeight: height } = options;
  const diagonal = Math.hypot(width, height);
  const zones = new Map(camera.zones.map((zone) => [zone.name, zone]));
  const scenarios = camera.scenarios.map((scenario): ScenarioRuntime => {
    const zoneName = 'zone' in scenario ? scenario.zone : scenario.name;
    return {
      name: scenarioName(scenario),
      type: EVENT_TYPES[scenario.type],
      zone: zoneName,
      rule: buildRule(scenario, { zones, width, height, diagonal, models: options.models }),
      lifecycle: {
        clearSeconds: scenario.clearSeconds,
        minUpdateSeconds: scenario.minUpdateSeconds,
        scoreGain: UPDATE_SCORE_GAIN,
      },
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

interface RuleContext {
  zones: ReadonlyMap<string, Readonly<ZoneConfig>>;
  width: number;
  height: number;
  diagonal: number;
  models: CameraModels;
}

function buildRule(scenario: Readonly<ScenarioConfig>, context: RuleContext): ScenarioRule {
  const { width, height, diagonal } = context;
  if (scenario.type === 'line_crossing') {
    return new LineCrossingRule(
      {
        line: [
          [scenario.line[0][0] * width, scenario.line[0][1] * height],
          [scenario.line[1][0] * width, scenario.line[1][1] * height],
        ],
        labels: scenario.labels,
        direction: scenario.direction,
      },
      scenario.clearSeconds,
    );
  }
  const zone = context.zones.get(scenario.zone);
  // The schema checks every scenario's zone exists; this guards a config built in code.
  if (!zone) throw new Error(`scenario ${scenarioName(scenario)}: no zone named "${scenario.zone}"`);
  const pixelZone = zoneToPixels(
    { ...zone, filters: { ...zone.filters, minScore: zone.filters.minScore ?? context.models.minScore } },
    width,
    height,
  );
  const inZone = (o: TrackedInput) => objectInZone(o.box, o.score, o.label, pixelZone, width, height);
  const presence = (stationaryRadius: number): PresenceOptions => ({
    stationaryRadius: stationaryRadius * diagonal,
    exitGraceSeconds: EXIT_GRACE_SECONDS,
    reassociateRadius: REASSOCIATE_RADIUS * diagonal,
    reassociateSeconds: REASSOCIATE_SECONDS,
    labelGroup: (label) => (COCO_VEHICLE_GROUP.includes(label) ? 'vehicle' : label),
  });
  // Loitering has no stationary notion; its radius only decides re-association.
  const dwell = (rule: DwellRule, stationaryRadius = 0.02) =>
    new DwellScenario(inZone, presence(stationaryRadius), rule);

  switch (scenario.type) {
    case 'street_vending':
      return dwell(
        {
          labels: [...scenario.personLabels, ...scenario.stallLabels],
          measure: 'stationary',
          minSeconds: scenario.minDwellSeconds,
          minObjects: scenario.minObjects,
          required: { labels: scenario.stallLabels, count: scenario.minStallObjects },
        },
        scenario.stationaryRadius,
      );
    case 'loitering':
      return dwell({
        labels: scenario.labels,
        measure: 'dwell',
        minSeconds: scenario.minDwellSeconds,
        minObjects: scenario.minObjects,
      });
    case 'parking':
      return dwell(
        { labels: scenario.labels, measure: 'stationary', minSeconds: scenario.maxSeconds, minObjects: 1 },
        scenario.stationaryRadius,
      );
    case 'muck_truck': {
      const frameArea = width * height;
      return new MuckTruckRule({
        contains: (o) =>
          scenario.vehicleLabels.includes(o.label) &&
          boxArea(o.box) >= scenario.minBoxArea * frameArea &&
          inZone(o),
        presence: presence(0.02),
        classify: context.models.classifier(scenario.classifier),
        minTrackFrames: scenario.minTrackFrames,
        confirmFrames: scenario.confirmFrames,
        uncoveredLabel: scenario.uncoveredLabel,
        uncoveredScore: scenario.uncoveredScore,
        cargoRegion: scenario.cargoRegion,
        recheckSeconds: 1,
      });
    }
  }
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
