import type { ClassifyCrop } from '../rules/scenario-rule.ts';
import type { TrackedInput } from '../rules/zone-presence.ts';
import type { RuleContext } from '../scenarios/scenario-definition.ts';
import { COCO_VEHICLE_GROUP } from '../track/byte-tracker.ts';
import { objectInZone, zoneToPixels } from '../zones/zone-filter.ts';
import type { ZoneConfig } from '../zones/zone-schema.ts';

/** A lost object is kept in its zone this long before it has left (brief occlusions). */
const EXIT_GRACE_SECONDS = 2;
/** A new track this close (fraction of the frame diagonal) to where one vanished, this soon, continues it. */
const REASSOCIATE_RADIUS = 0.04;
const REASSOCIATE_SECONDS = 5;

export interface RuleContextOptions {
  /** The scenario the rule is for, named in errors. */
  scenario: string;
  zones: ReadonlyMap<string, Readonly<ZoneConfig>>;
  /** Size of the analysed frames. */
  width: number;
  height: number;
  /** The score from which objects count in a zone without a minScore of its own. */
  minScore: number;
  classifier: (alias: string) => ClassifyCrop;
}

/** One camera's zones and models as a scenario's rule needs them: in the analysed frame's pixels. */
export function ruleContext(options: RuleContextOptions): RuleContext {
  const { scenario, zones, width, height, minScore } = options;
  const diagonal = Math.hypot(width, height);
  return {
    width,
    height,
    inZone: (name) => {
      const zone = zones.get(name);
      // The schema checks every scenario's zone exists; this guards a config built in code.
      if (!zone) throw new Error(`scenario ${scenario}: no zone named "${name}"`);
      const pixelZone = zoneToPixels(
        { ...zone, filters: { ...zone.filters, minScore: zone.filters.minScore ?? minScore } },
        width,
        height,
      );
      return (o: TrackedInput) => objectInZone(o.box, o.score, o.label, pixelZone, width, height);
    },
    presence: (stationaryRadius) => ({
      stationaryRadius: stationaryRadius * diagonal,
      exitGraceSeconds: EXIT_GRACE_SECONDS,
      reassociateRadius: REASSOCIATE_RADIUS * diagonal,
      reassociateSeconds: REASSOCIATE_SECONDS,
      labelGroup: (label) => (COCO_VEHICLE_GROUP.includes(label) ? 'vehicle' : label),
    }),
    classifier: options.classifier,
  };
}
