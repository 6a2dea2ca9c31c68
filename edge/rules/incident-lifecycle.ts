import type { EventPhase } from '../../foundation/contract/events.ts';
import type { Occupant } from './zone-presence.ts';

export interface LifecycleOptions {
  /** The condition must stay false this long before the incident ends. */
  clearSeconds: number;
  /** Updates (on material change) come at most this often. */
  minUpdateSeconds: number;
  /** A better snapshot frame is material when the best score rises by this much. */
  scoreGain: number;
}

/** What a scenario sees on one frame: whether its condition holds, and on which objects. */
export interface ScenarioObservation {
  active: boolean;
  objects: Occupant[];
  confidence: number;
  /** Running counts (a counting rule's); a change in them is material. */
  counts?: Readonly<Record<string, number>>;
  /** Absent: an open incident holds while `active`, on whichever objects (line crossing, muck truck). */
  membership?: IncidentMembership;
}

/**
 * For a rule whose incident belongs to the objects that made it (the dwell rules: vending,
 * gathering, loitering, parking). Its own objects are those that qualified when it started
 * (`objects` that are also `following`), known by occupant key, which survives the tracker's id
 * switches. It holds while at least `quorum` of them are still `following`, whether they still
 * qualify or not (a vendor shuffling about is still there), and its events report them alone.
 * Others qualifying later are not its objects and never keep it open: it ends `clearSeconds` after
 * its own have gone, however busy the zone, and whoever qualifies then makes a new incident.
 * Objects of `objects` that are not `following` (a stall's region, cue objects) describe it and
 * are reported with it.
 */
export interface IncidentMembership {
  /** Every object the rule follows now (in its zone, beside its region), qualifying yet or not. */
  following: readonly Occupant[];
  quorum: number;
}

export interface IncidentTransition {
  phase: EventPhase;
  sequence: number;
  startedAt: number;
  observedAt: number;
  endedAt?: number;
  objects: Occupant[];
  confidence: number;
  counts?: Record<string, number>;
  /** Set on the first event of an incident continued after a restart (see `resume`). */
  resumed?: true;
}

/**
 * An incident a restarted node found open in its journal. If the condition holds again by `until`
 * it is continued: the same `startedAt`, the sequence going on from `sequence`, an `update` rather
 * than a second `start`. Times are in the lifecycle's clock (stream seconds; negative: before it).
 */
export interface ResumableIncident {
  startedAt: number;
  /** The sequence of the last event it had. */
  sequence: number;
  until: number;
}

/** What the open incident is, for a journal: when it started, its last sequence, when it last held. */
export interface OpenIncidentState {
  startedAt: number;
  sequence: number;
  lastActiveAt: number;
}

interface OpenIncident {
  startedAt: number;
  sequence: number;
  lastUpdateAt: number;
  /** What the events so far have reported: an update needs more than this. */
  maxCount: number;
  bestScore: number;
  reportedCounts: Readonly<Record<string, number>> | undefined;
  lastActiveAt: number;
  last: ScenarioObservation;
  /** Occupant keys of its own objects (see IncidentMembership). */
  members: Set<number>;
  /** The latest material change not yet reported (it came during the update cool-down). */
  pending: (Pick<IncidentTransition, 'objects' | 'confidence' | 'counts'> & { at: number }) | undefined;
}

/**
 * One scenario's incident on one camera: start when its condition first holds, update only on a
 * material change (more objects, a clearly better frame), end when it has been clear for
 * `clearSeconds` (for a rule with a membership: when its own objects have been gone that long). Each start opens a new incident; the caller derives ids from `startedAt`.
 */
export class IncidentLifecycle {
  private open: OpenIncident | undefined;
  private resumable: ResumableIncident | undefined;

  constructor(private readonly options: LifecycleOptions) {}

  get isOpen(): boolean {
    return this.open !== undefined;
  }

  /** The open incident, or undefined. */
  state(): OpenIncidentState | undefined {
    const open = this.open;
    return open && { startedAt: open.startedAt, sequence: open.sequence, lastActiveAt: open.lastActiveAt };
  }

  /** Offers an incident from before a restart to be continued (see ResumableIncident). */
  resume(incident: ResumableIncident): void {
    if (!this.open) this.resumable = { ...incident };
  }

  /**
   * The offered incident once `now` is past its `until` without it having been continued: the
   * caller ends it. Undefined otherwise (none offered, taken up, or still within its time).
   */
  expire(now: number): ResumableIncident | undefined {
    const resumable = this.resumable;
    if (!resumable || now <= resumable.until) return undefined;
    this.resumable = undefined;
    return resumable;
  }

  step(now: number, observation: ScenarioObservation): IncidentTransition | undefined {
    const open = this.open;
    if (!open) {
      if (!observation.active) return undefined;
      // An offered incident past its time stays offered, for `expire` to hand back: never lost.
      const resumed = this.resumable && now <= this.resumable.until ? this.resumable : undefined;
      if (resumed) this.resumable = undefined;
      const startedAt = resumed ? resumed.startedAt : now;
      const sequence = resumed ? resumed.sequence + 1 : 0;
      this.open = {
        startedAt,
        sequence,
        lastUpdateAt: now,
        maxCount: observation.objects.length,
        bestScore: observation.confidence,
        lastActiveAt: now,
        last: observation,
        members: new Set(followedOf(observation).map((o) => o.key)),
        reportedCounts: observation.counts,
        pending: undefined,
      };
      return {
        phase: resumed ? 'update' : 'start',
        sequence,
        startedAt,
        observedAt: now,
        ...pick(observation),
        ...(resumed ? { resumed: true as const } : {}),
      };
    }
    const holding = holds(open, observation);
    if (holding) {
      open.lastActiveAt = now;
      open.last = holding;
      // A copy: the rule keeps updating its objects on later frames.
      if (this.isMaterial(holding, open)) open.pending = { ...pick(holding), at: now };
    } else if (now - open.lastActiveAt >= this.options.clearSeconds) {
      return this.close(now);
    }
    // A change seen during the cool-down is reported once the cool-down is over, not lost.
    const pending = open.pending;
    if (!pending || now - open.lastUpdateAt < this.options.minUpdateSeconds) return undefined;
    open.pending = undefined;
    open.reportedCounts = pending.counts;
    open.maxCount = Math.max(open.maxCount, pending.objects.length);
    open.bestScore = Math.max(open.bestScore, pending.confidence);
    open.lastUpdateAt = now;
    open.sequence += 1;
    return {
      phase: 'update',
      sequence: open.sequence,
      startedAt: open.startedAt,
      observedAt: pending.at,
      objects: pending.objects,
      confidence: pending.confidence,
      ...(pending.counts ? { counts: pending.counts } : {}),
    };
  }

  /** More objects than reported so far, a clearly better frame, or new counts. */
  private isMaterial(observation: ScenarioObservation, open: OpenIncident): boolean {
    return (
      observation.objects.length > open.maxCount ||
      observation.confidence >= open.bestScore + this.options.scoreGain ||
      !sameCounts(observation.counts, open.reportedCounts)
    );
  }

  /** Ends an open incident now (end of a replayed video, the camera removed). */
  close(now: number): IncidentTransition | undefined {
    const open = this.open;
    if (!open) return undefined;
    this.open = undefined;
    return {
      phase: 'end',
      sequence: open.sequence + 1,
      startedAt: open.startedAt,
      observedAt: now,
      endedAt: open.lastActiveAt,
      ...pick(open.last),
    };
  }
}

/** What the open incident is on this frame, or undefined when it does not hold (see IncidentMembership). */
function holds(open: OpenIncident, observation: ScenarioObservation): ScenarioObservation | undefined {
  const membership = observation.membership;
  if (!membership) return observation.active ? observation : undefined;
  const { members } = open;
  const own = membership.following.filter((o) => members.has(o.key));
  if (own.length < membership.quorum) return undefined;
  const followed = new Set(membership.following);
  return {
    active: true,
    objects: [...own, ...observation.objects.filter((o) => !followed.has(o))],
    // Its own may all be shuffling about (none qualifying on this frame): the last figure stands.
    confidence: observation.active ? observation.confidence : open.last.confidence,
    ...(observation.counts ? { counts: observation.counts } : {}),
  };
}

/** The qualifying objects a membership follows; the others (a stall's region, cue objects) only describe it. */
function followedOf(observation: ScenarioObservation): Occupant[] {
  const membership = observation.membership;
  if (!membership) return observation.objects;
  const followed = new Set(membership.following);
  return observation.objects.filter((o) => followed.has(o));
}

function pick(o: ScenarioObservation): Pick<IncidentTransition, 'objects' | 'confidence' | 'counts'> {
  return {
    objects: o.objects.map((x) => ({ ...x })),
    confidence: o.confidence,
    ...(o.counts ? { counts: { ...o.counts } } : {}),
  };
}

function sameCounts(
  a: Readonly<Record<string, number>> | undefined,
  b: Readonly<Record<string, number>> | undefined,
): boolean {
  if (a === b) return true;
  if (!a || !b) return false;
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}
