import type { ScenarioObservation } from './incident-lifecycle.ts';
import { dwellSeconds, type Occupant, stationarySeconds } from './zone-presence.ts';

/**
 * The rule behind street vending, loitering and parking: at least `minObjects` of the given
 * labels have stayed in the zone (or stayed put, with `measure: 'stationary'`) for `minSeconds`.
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
  const objects = present.filter((o) => rule.labels.includes(o.label) && measure(o, now) >= rule.minSeconds);
  const confidence = objects.length === 0 ? 0 : objects.reduce((sum, o) => sum + o.score, 0) / objects.length;
  return { active: objects.length >= rule.minObjects, objects, confidence };
}
