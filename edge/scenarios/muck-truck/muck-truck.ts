import { boxArea } from '../../../foundation/geometry/image-plane.ts';
import type { ScenarioDefinition } from '../scenario-definition.ts';
import { DEFAULT_PRESENCE_RADIUS } from '../zone-dwell.ts';
import { MuckTruckRule } from './muck-truck-rule.ts';
import { MuckTruckSchema } from './muck-truck-schema.ts';

/** A confirmed vehicle is re-classified this often (seconds), to keep its score fresh. */
const RECHECK_SECONDS = 1;

export const muckTruck: ScenarioDefinition<typeof MuckTruckSchema> = {
  type: 'muck_truck',
  schema: MuckTruckSchema,
  eventType: 'muck_truck_uncovered',
  watches: (config) => config.zone,
  classifierFields: ['classifier'],
  buildRule: (config, context) => {
    const inZone = context.inZone(config.zone);
    const frameArea = context.width * context.height;
    return new MuckTruckRule({
      contains: (o) =>
        config.vehicleLabels.includes(o.label) &&
        boxArea(o.box) >= config.minBoxArea * frameArea &&
        inZone(o),
      // Vehicles are followed as loitering objects are: the radius only decides re-association.
      presence: context.presence(DEFAULT_PRESENCE_RADIUS),
      classify: context.classifier(config.classifier),
      minTrackFrames: config.minTrackFrames,
      confirmFrames: config.confirmFrames,
      uncoveredLabel: config.uncoveredLabel,
      uncoveredScore: config.uncoveredScore,
      cargoRegion: config.cargoRegion,
      recheckSeconds: RECHECK_SECONDS,
    });
  },
};
