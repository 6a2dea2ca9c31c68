import { z } from 'zod';
import { Fraction, Labels } from '../schema/config-fields.ts';
import type { ScenarioDefinition } from './scenario-definition.ts';
import { incidentTiming, ScenarioName, Seconds, ZoneRef } from './scenario-fields.ts';
import { StreetVendingRule } from './street-vending-rule.ts';
import { DEFAULT_PRESENCE_RADIUS } from './zone-dwell.ts';

/** Fields of the old people-and-COCO-objects rule, refused with what replaces them. */
const REPLACED = 'street_vending now needs an occupied patch of street beside the people';
const removed = (instead: string) =>
  z.never({ error: `no longer a field: ${REPLACED}; ${instead}` }).optional();

/** People staying beside a patch of street the background model found occupied, in the zone (占道经营). */
const StreetVendingSchema = z.strictObject({
  type: z.literal('street_vending'),
  name: ScenarioName,
  zone: ZoneRef,
  personLabels: Labels.default(() => ['person']),
  /** COCO objects stalls often have: beside the occupied region they raise the confidence; alone they make nothing. */
  cueLabels: Labels.default(() => [
    'umbrella',
    'dining table',
    'chair',
    'bench',
    'bicycle',
    'motorcycle',
    'suitcase',
  ]),
  /** A person (or cue) whose box comes this close to the region's box is beside it: a fraction of the frame's diagonal. */
  nearDistance: Fraction.default(0.05),
  /** Occupied regions smaller than this fraction of the frame's area are not stalls. */
  minRegionArea: Fraction.default(0.002),
  /** How long a person must stay beside the region before it is reported. */
  minDwellSeconds: Seconds.default(60),
  /** People needed beside it. */
  minPeople: z.number().int().min(1).default(1),
  /** Each cue object beside the region takes this share of the remaining doubt away. */
  cueBoost: Fraction.default(0.15),
  stallLabels: removed('the COCO objects are now cueLabels, which only raise the confidence'),
  minStallObjects: removed('for people standing together use the scenario type gathering'),
  minObjects: removed('use minPeople, the people needed beside the occupied region'),
  stationaryRadius: removed('a vendor may move about the stall: the time beside it is what counts'),
  ...incidentTiming(30),
});

export const streetVending: ScenarioDefinition<typeof StreetVendingSchema> = {
  type: 'street_vending',
  schema: StreetVendingSchema,
  eventType: 'street_vending',
  watches: (config) => config.zone,
  buildRule: (config, context) => {
    const diagonal = Math.hypot(context.width, context.height);
    return new StreetVendingRule({
      contains: context.inZone(config.zone),
      zoneContains: context.zoneContains(config.zone),
      // Presence needs a radius only to re-associate a vendor's switched track id.
      presence: context.presence(DEFAULT_PRESENCE_RADIUS),
      occupation: context.occupation(),
      personLabels: config.personLabels,
      cueLabels: config.cueLabels,
      nearDistance: config.nearDistance * diagonal,
      minRegionArea: config.minRegionArea * context.width * context.height,
      minDwellSeconds: config.minDwellSeconds,
      minPeople: config.minPeople,
      cueBoost: config.cueBoost,
    });
  },
};
