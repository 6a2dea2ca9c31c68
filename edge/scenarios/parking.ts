import { z } from 'zod';
import { DwellScenario } from '../rules/dwell-rule.ts';
import { Labels } from '../schema/config-fields.ts';
import type { ScenarioDefinition } from './scenario-definition.ts';
import { incidentTiming, ScenarioName, Seconds, StationaryRadius, ZoneRef } from './scenario-fields.ts';

/** A vehicle staying in the zone longer than maxSeconds. */
const ParkingSchema = z.strictObject({
  type: z.literal('parking'),
  name: ScenarioName,
  zone: ZoneRef,
  labels: Labels.default(() => ['car', 'truck', 'bus']),
  maxSeconds: Seconds,
  stationaryRadius: StationaryRadius,
  ...incidentTiming(30),
});

export const parking: ScenarioDefinition<typeof ParkingSchema> = {
  type: 'parking',
  schema: ParkingSchema,
  eventType: 'parking',
  watches: (config) => config.zone,
  buildRule: (config, context) =>
    new DwellScenario(context.inZone(config.zone), context.presence(config.stationaryRadius), {
      labels: config.labels,
      measure: 'stationary',
      minSeconds: config.maxSeconds,
      minObjects: 1,
    }),
};
