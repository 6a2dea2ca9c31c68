import type { PlateRead } from '../../foundation/contract/events.ts';
import { bottomCentre } from '../../foundation/geometry/image-plane.ts';
import type { Box } from '../../foundation/media/frame.ts';

/** A tracked object as the rules see it, in frame pixels. */
export interface TrackedInput {
  id: number;
  label: string;
  score: number;
  box: Box;
}

export interface PresenceOptions {
  /** An anchor that stays within this many pixels of where it settled counts as stationary. */
  stationaryRadius: number;
  /** A vanished object is kept (as occluded) for this long before it has left. */
  exitGraceSeconds: number;
  /** A new track this close (pixels) to where one left, soon enough, continues its dwell. */
  reassociateRadius: number;
  reassociateSeconds: number;
  /** Labels that may continue each other's dwell (the detector flips car/truck on one van). */
  labelGroup?: (label: string) => string;
}

/** One object's stay in one zone; survives track id switches by place. */
export interface Occupant {
  /** Stable for the stay: the first track id seen for it. */
  key: number;
  trackId: number;
  label: string;
  score: number;
  box: Box;
  enteredAt: number;
  lastSeenAt: number;
  stationarySince: number;
  anchorX: number;
  anchorY: number;
  /** Scores of second-stage models on this object's crop, e.g. { uncovered: 0.83 }. */
  attributes?: Record<string, number>;
  /** The vehicle's plate, where a rule read it (muck trucks). */
  plate?: PlateRead;
}

export interface PresenceChange {
  entered: Occupant[];
  exited: Occupant[];
  present: Occupant[];
}

export const dwellSeconds = (o: Occupant, now: number) => now - o.enteredAt;
export const stationarySeconds = (o: Occupant, now: number) => now - o.stationarySince;

/**
 * Who is in one zone, since when, and since when they have not moved. Objects are in the zone
 * when `contains` says so (by their bottom-centre point, filtered by the zone's rules).
 */
export class ZonePresence {
  private readonly occupants = new Map<number, Occupant>();
  private departed: Occupant[] = [];
  /** Track ids on the current frame, in the zone or not (reused across frames). */
  private readonly visible = new Set<number>();
  private readonly group: (label: string) => string;

  constructor(private readonly options: PresenceOptions) {
    this.group = options.labelGroup ?? ((label) => label);
  }

  get present(): Occupant[] {
    return [...this.occupants.values()];
  }

  update(
    objects: readonly TrackedInput[],
    now: number,
    contains: (o: TrackedInput) => boolean,
  ): PresenceChange {
    const entered: Occupant[] = [];
    const exited: Occupant[] = [];
    const seen = new Set<number>();
    const visible = this.visible;
    visible.clear();
    for (const object of objects) visible.add(object.id);
    for (const object of objects) {
      if (!contains(object)) continue;
      seen.add(object.id);
      const [x, y] = bottomCentre(object.box);
      let occupant = this.occupants.get(object.id);
      if (!occupant) {
        occupant = this.inherit(object, x, y, now) ?? this.newcomer(object, x, y, now);
        if (occupant.key === object.id && occupant.enteredAt === now) entered.push(occupant);
        this.occupants.set(object.id, occupant);
      }
      this.observe(occupant, object, x, y, now);
    }
    for (const [trackId, occupant] of this.occupants) {
      if (seen.has(trackId) || now - occupant.lastSeenAt <= this.options.exitGraceSeconds) continue;
      this.occupants.delete(trackId);
      // Still tracked, outside the zone: it walked out, and no newcomer may take over its stay.
      if (!visible.has(trackId)) this.departed.push(occupant);
      exited.push(occupant);
    }
    this.departed = this.departed.filter((o) => now - o.lastSeenAt <= this.options.reassociateSeconds);
    return { entered, exited, present: this.present };
  }

  private newcomer(object: TrackedInput, x: number, y: number, now: number): Occupant {
    return newOccupant(object, x, y, now);
  }

  /** A track that replaces one which just vanished from the same spot continues its stay. */
  private inherit(object: TrackedInput, x: number, y: number, now: number): Occupant | undefined {
    const { reassociateRadius } = this.options;
    const group = this.group(object.label);
    // Only objects the tracker lost can be continued; one still tracked elsewhere is someone else.
    const candidates = [
      ...this.departed,
      ...[...this.occupants.values()].filter((o) => o.lastSeenAt < now && !this.visible.has(o.trackId)),
    ].filter((o) => this.group(o.label) === group);
    let best: Occupant | undefined;
    let bestDistance = reassociateRadius;
    for (const candidate of candidates) {
      const distance = Math.hypot(candidate.anchorX - x, candidate.anchorY - y);
      if (distance <= bestDistance) {
        best = candidate;
        bestDistance = distance;
      }
    }
    if (!best) return undefined;
    this.departed = this.departed.filter((o) => o !== best);
    this.occupants.delete(best.trackId);
    return { ...best, trackId: object.id };
  }

  private observe(occupant: Occupant, object: TrackedInput, x: number, y: number, now: number): void {
    occupant.trackId = object.id;
    occupant.label = object.label;
    occupant.score = object.score;
    occupant.box = object.box;
    occupant.lastSeenAt = now;
    if (Math.hypot(x - occupant.anchorX, y - occupant.anchorY) > this.options.stationaryRadius) {
      occupant.anchorX = x;
      occupant.anchorY = y;
      occupant.stationarySince = now;
    }
  }
}

/** An object seen for the first time at `now`, standing at (x, y). */
export function newOccupant(object: TrackedInput, x: number, y: number, now: number): Occupant {
  return {
    key: object.id,
    trackId: object.id,
    label: object.label,
    score: object.score,
    box: object.box,
    enteredAt: now,
    lastSeenAt: now,
    stationarySince: now,
    anchorX: x,
    anchorY: y,
  };
}
