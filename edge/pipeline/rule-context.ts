import { pointInPolygon } from '../../foundation/geometry/image-plane.ts';
import type { OccupationSource } from '../background/occupation-source.ts';
import type { PlateReaderSettings, ReadPlate } from '../plates/plate-reader.ts';
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
  /** Plate readers over the OCR models the edge loaded; absent: no scenario may read plates. */
  plateReader?: (settings: PlateReaderSettings) => ReadPlate;
  /** The camera's one background model, created on first call (see buildCameraPipeline). */
  occupation: () => OccupationSource;
}

/** One camera's zones and models as a scenario's rule needs them: in the analysed frame's pixels. */
export function ruleContext(options: RuleContextOptions): RuleContext {
  const { scenario, zones, width, height, minScore } = options;
  const diagonal = Math.hypot(width, height);
  const pixelZone = (name: string) => {
    const zone = zones.get(name);
    // The schema checks every scenario's zone exists; this guards a config built in code.
    if (!zone) throw new Error(`scenario ${scenario}: no zone named "${name}"`);
    return zone;
  };
  return {
    width,
    height,
    inZone: (name) => {
      const zone = pixelZone(name);
      const inPixels = zoneToPixels(
        { ...zone, filters: { ...zone.filters, minScore: zone.filters.minScore ?? minScore } },
        width,
        height,
      );
      return (o: TrackedInput) => objectInZone(o.box, o.score, o.label, inPixels, width, height);
    },
    zoneContains: (name) => {
      const { points } = zoneToPixels(pixelZone(name), width, height);
      return (x, y) => pointInPolygon(x, y, points);
    },
    presence: (stationaryRadius) => ({
      stationaryRadius: stationaryRadius * diagonal,
      exitGraceSeconds: EXIT_GRACE_SECONDS,
      reassociateRadius: REASSOCIATE_RADIUS * diagonal,
      reassociateSeconds: REASSOCIATE_SECONDS,
      labelGroup: (label) => (COCO_VEHICLE_GROUP.includes(label) ? 'vehicle' : label),
    }),
    classifier: options.classifier,
    plateReader: (settings) => {
      // The model registry loads the OCR models of every scenario that reads plates; this guards a pipeline built in code.
      if (!options.plateReader)
        throw new Error(`scenario ${scenario}: reads plates, but no OCR models were loaded`);
      return options.plateReader(settings);
    },
    occupation: options.occupation,
  };
}
