import { boxArea } from '../../../foundation/geometry/image-plane.ts';
import { DEFAULT_PLATE_VOTE } from '../../plates/plate-vote.ts';
import type { RuleContext, ScenarioDefinition } from '../scenario-definition.ts';
import { DEFAULT_PRESENCE_RADIUS } from '../zone-dwell.ts';
import { MuckTruckRule } from './muck-truck-rule.ts';
import { MuckTruckSchema } from './muck-truck-schema.ts';
import { TruckPlates } from './truck-plates.ts';

/** A confirmed vehicle is re-classified this often (seconds), to keep its score fresh. */
const RECHECK_SECONDS = 1;

export const muckTruck: ScenarioDefinition<typeof MuckTruckSchema> = {
  type: 'muck_truck',
  schema: MuckTruckSchema,
  eventType: 'muck_truck_uncovered',
  watches: (config) => config.zone,
  classifierFields: ['classifier'],
  plateModels: (config) => (config.plates?.enabled ? [config.plates.detector, config.plates.recognizer] : []),
  buildRule: (config, context) => {
    const inZone = context.inZone(config.zone);
    const plates = config.plates?.enabled ? config.plates : undefined;
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
      ...(plates
        ? {
            plates: new TruckPlates({
              read: plateReaderOf(context)(plates),
              maxReadsPerTrack: plates.maxReadsPerTrack,
              maxReadsPerFrame: plates.maxReadsPerFrame,
              vote: { ...DEFAULT_PLATE_VOTE, minAgree: plates.minAgree },
            }),
          }
        : {}),
    });
  },
};

function plateReaderOf(context: RuleContext): NonNullable<RuleContext['plateReader']> {
  if (!context.plateReader)
    throw new Error('this muck-truck scenario reads plates, but no OCR models were loaded');
  return context.plateReader;
}
