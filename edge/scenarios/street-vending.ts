import { z } from 'zod';
import { DwellScenario } from '../rules/dwell-rule.ts';
import { Labels } from '../schema/config-fields.ts';
import type { ScenarioDefinition } from './scenario-definition.ts';
import { incidentTiming, ScenarioName, Seconds, StationaryRadius, ZoneRef } from './scenario-fields.ts';

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

export const streetVending: ScenarioDefinition<typeof StreetVendingSchema> = {
  type: 'street_vending',
  schema: StreetVendingSchema,
  eventType: 'street_vending',
  watches: (config) => config.zone,
  buildRule: (config, context) =>
    new DwellScenario(context.inZone(config.zone), context.presence(config.stationaryRadius), {
      labels: [...config.personLabels, ...config.stallLabels],
      measure: 'stationary',
      minSeconds: config.minDwellSeconds,
      minObjects: config.minObjects,
      required: { labels: config.stallLabels, count: config.minStallObjects },
    }),
};
