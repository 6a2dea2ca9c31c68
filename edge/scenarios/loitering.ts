import { z } from 'zod';
import { DwellScenario } from '../rules/dwell-rule.ts';
import { Labels } from '../schema/config-fields.ts';
import type { ScenarioDefinition } from './scenario-definition.ts';
import { incidentTiming, ScenarioName, Seconds, ZoneRef } from './scenario-fields.ts';

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

/** Loitering has no stationary notion; this radius only decides re-association. */
const PRESENCE_RADIUS = 0.02;

export const loitering: ScenarioDefinition<typeof LoiteringSchema> = {
  type: 'loitering',
  schema: LoiteringSchema,
  eventType: 'loitering',
  watches: (config) => config.zone,
  buildRule: (config, context) =>
    new DwellScenario(context.inZone(config.zone), context.presence(PRESENCE_RADIUS), {
      labels: config.labels,
      measure: 'dwell',
      minSeconds: config.minDwellSeconds,
      minObjects: config.minObjects,
    }),
};
