import type { ScenarioObservation } from './incident-lifecycle.ts';
import type { FrameContext, ScenarioRule } from './scenario-rule.ts';
import {
  dwellSeconds,
  type Occupant,
  type PresenceOptions,
  stationarySeconds,
  type TrackedInput,
  ZonePresence,
} from './zone-presence.ts';

/**
 * The rule behind gathering, loitering and parking: at least `minObjects` of the given labels
 * have stayed in the zone (or stayed put, with `measure: 'stationary'`) for `minSeconds`. The
 * incident then belongs to them: it lasts while `minObjects` of them are still in the zone, and
 * others passing through do not keep it open (see IncidentMembership).
 */
export interface DwellRule {
  labels: readonly string[];
  measure: 'dwell' | 'stationary';
  minSeconds: number;
  minObjects: number;
}

export function observeDwell(
  present: readonly Occupant[],
  now: number,
  rule: DwellRule,
): ScenarioObservation {
  const measure = rule.measure === 'dwell' ? dwellSeconds : stationarySeconds;
  const following = present.filter((o) => rule.labels.includes(o.label));
  const objects = following.filter((o) => measure(o, now) >= rule.minSeconds);
  return {
    active: objects.length >= rule.minObjects,
    objects,
    confidence: meanScore(objects),
    membership: { following, quorum: rule.minObjects },
  };
}

export function meanScore(objects: readonly Occupant[]): number {
  return objects.length === 0 ? 0 : objects.reduce((sum, o) => sum + o.score, 0) / objects.length;
}

/** A dwell rule over one zone: who is in it (surviving track id switches) and for how long. */
export class DwellScenario implements ScenarioRule {
  private readonly presence: ZonePresence;

  constructor(
    private readonly contains: (object: TrackedInput) => boolean,
    presence: PresenceOptions,
    private readonly rule: DwellRule,
  ) {
    this.presence = new ZonePresence(presence);
  }

  observe({ tracked, time }: FrameContext): ScenarioObservation {
    const { present } = this.presence.update(tracked, time, this.contains);
    return observeDwell(present, time, this.rule);
  }
}
