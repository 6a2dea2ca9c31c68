import { z } from 'zod';
import { Labels } from '../schema/config-fields.ts';
import { incidentTiming, ScenarioName, Seconds, StationaryRadius, ZoneRef } from './scenario-fields.ts';
import { zoneDwellScenario } from './zone-dwell.ts';

/** People lingering by objects a street stall is made of, in the zone, without moving on. */
const StreetVendingSchema = z.strictObject({
  type: z.literal('street_vending'),
  name: ScenarioName,
  zone: ZoneRef,
  personLabels: Labels.default(() => ['person']),
  stallLabels: Labels.default(() => [
    'umbrella',
    'dining table',
    'chair',
    'bench',
    'bicycle',
    'handbag',
    'backpack',
    'suitcase',
  ]),
  /** How long the stall must stay before it is reported. */
  minDwellSeconds: Seconds.default(60),
  /** Stationary objects (people and stall objects) needed together. */
  minObjects: z.number().int().min(1).default(2),
  /**
   * Of those, how many must be stall objects. 0 lets a group of people standing still count on
   * its own (for a detector that knows no stall objects); it then behaves like a group loitering.
   */
  minStallObjects: z.number().int().min(0).default(1),
  stationaryRadius: StationaryRadius,
  ...incidentTiming(30),
});

export const streetVending = zoneDwellScenario({
  type: 'street_vending',
  schema: StreetVendingSchema,
  eventType: 'street_vending',
  stationaryRadius: (config) => config.stationaryRadius,
  rule: (config) => ({
    labels: [...config.personLabels, ...config.stallLabels],
    measure: 'stationary',
    minSeconds: config.minDwellSeconds,
    minObjects: config.minObjects,
    required: { labels: config.stallLabels, count: config.minStallObjects },
  }),
});
