import { z } from 'zod';
import { Labels } from '../schema/config-fields.ts';
import { incidentTiming, ScenarioName, Seconds, StationaryRadius, ZoneRef } from './scenario-fields.ts';
import { zoneDwellScenario } from './zone-dwell.ts';

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

export const parking = zoneDwellScenario({
  type: 'parking',
  schema: ParkingSchema,
  eventType: 'parking',
  stationaryRadius: (config) => config.stationaryRadius,
  rule: (config) => ({
    labels: config.labels,
    measure: 'stationary',
    minSeconds: config.maxSeconds,
    minObjects: 1,
  }),
});
