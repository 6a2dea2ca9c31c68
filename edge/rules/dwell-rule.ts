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
 * The rule behind street vending, loitering and parking: at least `minObjects` of the given
 * labels have stayed in the zone (or stayed put, with `measure: 'stationary'`) for `minSeconds`,
 * and among them at least `required.count` of the `required.labels` (a vending stall needs stall
 * objects, not only people).
 */
export interface DwellRule {
  labels: readonly string[];
  measure: 'dwell' | 'stationary';
  minSeconds: number;
  minObjects: number;
  required?: { labels: readonly string[]; count: number };
}

export function observeDwell(
  present: readonly Occupant[],
  now: number,
  rule: DwellRule,
): ScenarioObservation {
  const measure = rule.measure === 'dwell' ? dwellSeconds : stationarySeconds;
  const objects = present.filter((o) => rule.labels.includes(o.label) && measure(o, now) >= rule.minSeconds);
  const confidence = objects.length === 0 ? 0 : objects.reduce((sum, o) => sum + o.score, 0) / objects.length;
  const required = rule.required;
  const enoughRequired =
    required === undefined ||
    objects.filter((o) => required.labels.includes(o.label)).length >= required.count;
  return { active: objects.length >= rule.minObjects && enoughRequired, objects, confidence };
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
