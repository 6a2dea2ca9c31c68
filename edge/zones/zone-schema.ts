/** Zones moved to foundation/edge-config/ (the cloud validates edge configs too). */
export {
  PointSchema,
  PolygonSchema,
  type ZoneConfig,
  type ZoneFilters,
} from '../../foundation/edge-config/zone-schema.ts';
