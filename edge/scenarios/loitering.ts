import { z } from 'zod';
import { Labels } from '../schema/config-fields.ts';
import { incidentTiming, ScenarioName, Seconds, ZoneRef } from './scenario-fields.ts';
import { DEFAULT_PRESENCE_RADIUS, zoneDwellScenario } from './zone-dwell.ts';

/** An object of one of the labels staying in the zone longer than minDwellSeconds. */
const LoiteringSchema = z.strictObject({
  type: z.literal('loitering'),
  name: ScenarioName,
  zone: ZoneRef,
  labels: Labels,
  minDwellSeconds: Seconds,
  /** Objects needed in the zone together (a group rather than one person). */
  minObjects: z.number().int().min(1).default(1),
  ...incidentTiming(10),
});

export const loitering = zoneDwellScenario({
  type: 'loitering',
  schema: LoiteringSchema,
  eventType: 'loitering',
  // Loitering has no stationary notion; the radius only decides re-association.
  stationaryRadius: () => DEFAULT_PRESENCE_RADIUS,
  rule: (config) => ({
    labels: config.labels,
    measure: 'dwell',
    minSeconds: config.minDwellSeconds,
    minObjects: config.minObjects,
  }),
});
