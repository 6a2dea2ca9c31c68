import { z } from 'zod';
import { pointInPolygon, toPixels } from '../../foundation/geometry/image-plane.ts';
import type { Box } from '../../foundation/media/frame.ts';
import type { OccupationRegion, OccupationSource } from '../background/occupation-source.ts';
import type { ScenarioObservation } from '../rules/incident-lifecycle.ts';
import type { FrameContext, ScenarioRule } from '../rules/scenario-rule.ts';
import type { Occupant, TrackedInput } from '../rules/zone-presence.ts';
import { Fraction, Labels } from '../schema/config-fields.ts';
import { PolygonSchema } from '../zones/zone-schema.ts';
import type { ScenarioDefinition } from './scenario-definition.ts';
import { incidentTiming, ScenarioName, Seconds, ZoneRef } from './scenario-fields.ts';

/** A region counts as attended while someone has stayed this close to it, less brief gaps of this long. */
const ATTENDED_GAP_SECONDS = 2;
/** A region this much under a tracked object of an ignored label is that object, not an occupation. */
const IGNORED_COVER_SHARE = 0.5;

const AttendedSchema = z.strictObject({
  /** Who attends a stall. */
  labels: Labels.default(() => ['person']),
  /** Detections scoring below this attend nothing (a traffic cone taken for a person now and then). */
  minScore: Fraction.default(0.5),
  /** Gap between their box and the region's, as a fraction of the frame's diagonal. */
  distance: Fraction.default(0.05),
  /** How long they must have stayed by it. */
  seconds: Seconds.default(10),
});

/**
 * Something placed on the street (or taken from it) that has stayed, whatever it is (乱堆物料):
 * the camera's background model's regions in the zone, at least `minArea` of the frame, that
 * have stayed `minDwellSeconds`. A region someone stays by is left to street vending.
 */
const OccupationSchema = z.strictObject({
  type: z.literal('occupation'),
  name: ScenarioName,
  zone: ZoneRef,
  /** A region's box must cover at least this fraction of the frame's area. */
  minArea: Fraction.default(0.002),
  /** How long a region must have stayed before it is reported. */
  minDwellSeconds: Seconds.default(60),
  /** `placed`: something is there that was not; `removed`: something that was there has gone. */
  kinds: z
    .array(z.enum(['placed', 'removed']))
    .min(1)
    .default(() => ['placed' as const]),
  /** Regions mostly under a tracked object of these labels are that object (beyond the people and vehicles the model already masks). */
  ignoreLabels: Labels.optional(),
  /** Regions standing (bottom-centre) in one of these normalised polygons are ignored (a market's licensed pitches). */
  ignore: z.array(PolygonSchema).default(() => []),
  /** Regions attended by someone are left to street vending; `false` reports them too. */
  attendedBy: z.union([z.literal(false), AttendedSchema]).prefault({}),
  ...incidentTiming(10),
});

export type OccupationConfig = z.output<typeof OccupationSchema>;

/** One tracked object's stay by one region. */
interface Attendance {
  nearSince: number;
  lastNear: number;
}

export interface OccupationRuleOptions {
  config: Readonly<OccupationConfig>;
  source: OccupationSource;
  /** Whether a point of the analysed frame is in the scenario's zone. */
  inZone: (x: number, y: number) => boolean;
  width: number;
  height: number;
}

/** The occupation rule of one camera's scenario, over the camera's shared background model. */
export class OccupationRule implements ScenarioRule {
  /** Per region id, per track id: who has stayed by it. */
  private readonly attendance = new Map<number, Map<number, Attendance>>();
  private readonly ignored: [number, number][][];
  private readonly minAreaPixels: number;
  private readonly diagonal: number;

  constructor(private readonly options: OccupationRuleOptions) {
    const { config, width, height } = options;
    this.ignored = config.ignore.map((polygon) => toPixels(polygon, width, height));
    this.minAreaPixels = config.minArea * width * height;
    this.diagonal = Math.hypot(width, height);
  }

  observe(context: FrameContext): ScenarioObservation {
    const regions = this.options.source.regions(context);
    this.followAttendance(regions, context);
    const objects: Occupant[] = [];
    for (const region of regions) {
      if (this.counts(region, context)) objects.push(toOccupant(region));
    }
    const confidence = objects.reduce((best, o) => Math.max(best, o.score), 0);
    return { active: objects.length > 0, objects, confidence };
  }

  private counts(region: OccupationRegion, { time, tracked }: FrameContext): boolean {
    const { config, inZone } = this.options;
    const [x1, , x2, y2] = region.box;
    const baseX = (x1 + x2) / 2;
    if (!config.kinds.includes(region.kind)) return false;
    if (time - region.since < config.minDwellSeconds) return false;
    if (area(region.box) < this.minAreaPixels) return false;
    if (!inZone(baseX, y2) || this.ignored.some((polygon) => pointInPolygon(baseX, y2, polygon)))
      return false;
    const ignoreLabels = config.ignoreLabels;
    if (ignoreLabels?.length) {
      const under = tracked.some(
        (o) =>
          ignoreLabels.includes(o.label) &&
          overlap(o.box, region.box) >= IGNORED_COVER_SHARE * area(region.box),
      );
      if (under) return false;
    }
    return !this.isAttended(region);
  }

  /** Someone (one tracked object, not a stream of passers-by) has stayed by it long enough. */
  private isAttended(region: OccupationRegion): boolean {
    const attendedBy = this.options.config.attendedBy;
    if (attendedBy === false) return false;
    const stays = this.attendance.get(region.id);
    if (!stays) return false;
    for (const stay of stays.values()) if (stay.lastNear - stay.nearSince >= attendedBy.seconds) return true;
    return false;
  }

  /** Who has stayed by which region, and since when (brief gaps forgiven). */
  private followAttendance(regions: readonly OccupationRegion[], { time, tracked }: FrameContext): void {
    const attendedBy = this.options.config.attendedBy;
    if (attendedBy === false) return;
    const reach = attendedBy.distance * this.diagonal;
    const live = new Set<number>();
    for (const region of regions) {
      live.add(region.id);
      let stays = this.attendance.get(region.id);
      if (!stays) {
        stays = new Map();
        this.attendance.set(region.id, stays);
      }
      for (const o of tracked) {
        if (
          !attendedBy.labels.includes(o.label) ||
          o.score < attendedBy.minScore ||
          gap(o, region.box) > reach
        )
          continue;
        const stay = stays.get(o.id);
        if (stay) stay.lastNear = time;
        else stays.set(o.id, { nearSince: time, lastNear: time });
      }
      for (const [id, stay] of stays) if (time - stay.lastNear > ATTENDED_GAP_SECONDS) stays.delete(id);
    }
    for (const id of this.attendance.keys()) if (!live.has(id)) this.attendance.delete(id);
  }
}

function toOccupant(region: OccupationRegion): Occupant {
  const box: Box = [region.box[0], region.box[1], region.box[2], region.box[3]];
  return {
    key: region.id,
    trackId: region.id,
    label: region.kind,
    score: Math.min(1, Math.max(0, region.fill)),
    box,
    enteredAt: region.since,
    lastSeenAt: region.lastSeen,
    stationarySince: region.since,
    anchorX: (box[0] + box[2]) / 2,
    anchorY: box[3],
  };
}

const area = (b: Readonly<Box>) => Math.max(0, b[2] - b[0]) * Math.max(0, b[3] - b[1]);

function overlap(a: Readonly<Box>, b: Readonly<Box>): number {
  return (
    Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0])) *
    Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]))
  );
}

/** The distance between an object's box and a box (0 when they touch or overlap). */
function gap(object: TrackedInput, box: Readonly<Box>): number {
  const [a1, b1, a2, b2] = object.box;
  const dx = Math.max(0, box[0] - a2, a1 - box[2]);
  const dy = Math.max(0, box[1] - b2, b1 - box[3]);
  return Math.hypot(dx, dy);
}

export const occupation: ScenarioDefinition<typeof OccupationSchema> = {
  type: 'occupation',
  schema: OccupationSchema,
  eventType: 'occupation',
  watches: (config) => config.zone,
  buildRule: (config, context) =>
    new OccupationRule({
      config,
      source: context.occupation(),
      inZone: context.zoneContains(config.zone),
      width: context.width,
      height: context.height,
    }),
};
