import { boxArea } from '../../foundation/geometry/image-plane.ts';
import type { Box } from '../../foundation/media/frame.ts';
import type { OccupationRegion, OccupationSource } from '../background/occupation-source.ts';
import { meanScore } from '../rules/dwell-rule.ts';
import type { ScenarioObservation } from '../rules/incident-lifecycle.ts';
import type { FrameContext, ScenarioRule } from '../rules/scenario-rule.ts';
import {
  dwellSeconds,
  newOccupant,
  type Occupant,
  type PresenceOptions,
  type TrackedInput,
  ZonePresence,
} from '../rules/zone-presence.ts';

/** Label the occupied regions of a vending incident carry among its objects. */
export const OCCUPIED_REGION_LABEL = 'occupied_region';

export interface StreetVendingOptions {
  /** Whether a tracked object counts as in the scenario's zone (people are taken from there). */
  contains: (object: TrackedInput) => boolean;
  /** Whether a point is inside the zone's outline: a region counts where its bottom-centre is. */
  zoneContains: (x: number, y: number) => boolean;
  presence: PresenceOptions;
  occupation: OccupationSource;
  personLabels: readonly string[];
  cueLabels: readonly string[];
  /** Pixels: a box whose gap to a region's box is at most this is beside the region. */
  nearDistance: number;
  /** Pixels²: smaller placed regions are not stalls. */
  minRegionArea: number;
  /** A person must stay beside a region this long. */
  minDwellSeconds: number;
  minPeople: number;
  /** Each cue object beside the stall takes this share of the remaining doubt away. */
  cueBoost: number;
}

/**
 * Street vending (占道经营) as a composite: a patch of street the background model found occupied
 * (something placed that has stayed, whatever it is; a removed one is not a stall) inside the
 * zone, and people in the zone staying beside it for `minDwellSeconds`. The region alone is occupation, not vending; people alone are a gathering.
 * COCO objects stalls often have (umbrella, table, chair…) beside the region raise the
 * confidence and nothing else. A person's stay counts only while beside a region, so passers-by
 * and customers who stop briefly do not make it; the incident belongs to the people who did.
 */
export class StreetVendingRule implements ScenarioRule {
  private readonly presence: ZonePresence;

  constructor(private readonly options: StreetVendingOptions) {
    this.presence = new ZonePresence(options.presence);
  }

  observe(context: FrameContext): ScenarioObservation {
    const { time, tracked } = context;
    const { personLabels, cueLabels, nearDistance, minRegionArea } = this.options;
    const regions = this.options.occupation
      .regions(context)
      .filter((r) => r.kind === 'placed' && boxArea(r.box) >= minRegionArea && this.inZone(r.box));
    const besideAny = (box: Box) => regions.some((r) => boxGap(box, r.box) <= nearDistance);
    const { present } = this.presence.update(
      tracked,
      time,
      (o) => personLabels.includes(o.label) && besideAny(o.box) && this.options.contains(o),
    );
    const people = present.filter((o) => dwellSeconds(o, time) >= this.options.minDwellSeconds);
    const stalls = regions.filter((r) => people.some((p) => boxGap(p.box, r.box) <= nearDistance));
    const cues = tracked.filter(
      (o) => cueLabels.includes(o.label) && stalls.some((r) => boxGap(o.box, r.box) <= nearDistance),
    );
    return {
      active: people.length >= this.options.minPeople,
      objects: [...people, ...stalls.map(regionObject), ...cues.map((o) => cueObject(o, time))],
      confidence: withCues(meanScore(people), cues.length, this.options.cueBoost),
      membership: { following: present, quorum: this.options.minPeople },
    };
  }

  private inZone(box: Readonly<Box>): boolean {
    return this.options.zoneContains((box[0] + box[2]) / 2, box[3]);
  }
}

/** `base` raised by each of `cues` taking `boost` of the remaining doubt: 0.6 with two cues at 0.15 is 0.71. */
export function withCues(base: number, cues: number, boost: number): number {
  if (base === 0) return 0;
  return 1 - (1 - base) * (1 - boost) ** cues;
}

/** The gap between two boxes, 0 when they touch or overlap (pixels). */
export function boxGap(a: Readonly<Box>, b: Readonly<Box>): number {
  const dx = Math.max(0, b[0] - a[2], a[0] - b[2]);
  const dy = Math.max(0, b[1] - a[3], a[1] - b[3]);
  return Math.hypot(dx, dy);
}

/** A region as an incident object: it has stayed since it was first seen. */
function regionObject(region: OccupationRegion): Occupant {
  const [x1, , x2, y2] = region.box;
  return {
    key: region.id,
    trackId: region.id,
    label: OCCUPIED_REGION_LABEL,
    score: region.fill,
    box: region.box,
    enteredAt: region.since,
    lastSeenAt: region.lastSeen,
    stationarySince: region.since,
    anchorX: (x1 + x2) / 2,
    anchorY: y2,
  };
}

/** A cue object as an incident object, seen on this frame. */
function cueObject(object: TrackedInput, now: number): Occupant {
  const [x1, , x2, y2] = object.box;
  return newOccupant(object, (x1 + x2) / 2, y2, now);
}
