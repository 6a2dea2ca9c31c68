import { z } from 'zod';
import { Labels } from '../schema/config-fields.ts';
import { incidentTiming, ScenarioName, Seconds, StationaryRadius, ZoneRef } from './scenario-fields.ts';
import { zoneDwellScenario } from './zone-dwell.ts';

/**
 * People standing still together in the zone: at least minObjects of them, each without moving on
 * for minDwellSeconds. No stall is involved (that is street_vending, which needs an occupied
 * patch of street beside them). The incident lasts while minObjects of its own people remain.
 */
const GatheringSchema = z.strictObject({
  type: z.literal('gathering'),
  name: ScenarioName,
  zone: ZoneRef,
  labels: Labels.default(() => ['person']),
  minDwellSeconds: Seconds.default(60),
  /** People needed together. */
  minObjects: z.number().int().min(2).default(3),
  stationaryRadius: StationaryRadius,
  ...incidentTiming(15),
});

export const gathering = zoneDwellScenario({
  type: 'gathering',
  schema: GatheringSchema,
  eventType: 'gathering',
  stationaryRadius: (config) => config.stationaryRadius,
  rule: (config) => ({
    labels: config.labels,
    measure: 'stationary',
    minSeconds: config.minDwellSeconds,
    minObjects: config.minObjects,
  }),
});
