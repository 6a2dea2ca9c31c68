import { z } from 'zod';

/** The levels below the city, top down; a place's parent is one level up. */
export const PLACE_LEVELS = ['district', 'street', 'community', 'grid'] as const;
export const PlaceLevelSchema = z.enum(PLACE_LEVELS);
export type PlaceLevel = z.infer<typeof PlaceLevelSchema>;

export const PlaceIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'lower-case letters, digits, "_" and "-"');
const Lon = z.number().min(-180).max(180);
const Lat = z.number().min(-90).max(90);
export const LonLatSchema = z.tuple([Lon, Lat]);
const Ring = z.array(LonLatSchema).min(4, 'a ring needs at least 4 positions (closed)');
const PolygonCoords = z.array(Ring).min(1);

export const PlaceGeometrySchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('Polygon'), coordinates: PolygonCoords }),
  z.object({ type: z.literal('MultiPolygon'), coordinates: z.array(PolygonCoords).min(1) }),
]);

export const PlaceFeatureSchema = z.object({
  type: z.literal('Feature'),
  properties: z.object({
    id: PlaceIdSchema,
    level: PlaceLevelSchema,
    name: z.string().min(1),
    /** The id of the place one level up; absent only for a district. */
    parent: PlaceIdSchema.optional(),
  }),
  geometry: PlaceGeometrySchema,
});

/** The grid hierarchy file: one GeoJSON FeatureCollection with every level in it. */
export const PlacesGeoJsonSchema = z.object({
  type: z.literal('FeatureCollection'),
  features: z.array(PlaceFeatureSchema).min(1),
});
export type PlaceFeature = z.infer<typeof PlaceFeatureSchema>;

/** A place created or replaced over the API: a feature as in the file; its id is in the path. */
export const PlaceEditBodySchema = z.object({
  type: z.literal('Feature'),
  properties: z.object({
    /** Optional; when given it must be the id in the path. */
    id: PlaceIdSchema.optional(),
    level: PlaceLevelSchema,
    name: z.string().min(1),
    parent: PlaceIdSchema.optional(),
  }),
  geometry: PlaceGeometrySchema,
});
export type PlaceEditBody = z.infer<typeof PlaceEditBodySchema>;

/** The camera registry file (YAML or JSON). */
export const CameraSchema = z.strictObject({
  /** As the edge names it in its events' `cameraId`. */
  id: PlaceIdSchema,
  edgeId: PlaceIdSchema,
  name: z.string().min(1),
  lat: Lat,
  lon: Lon,
  /** What the camera sees, as a ring of [lon, lat]: its centroid is where its incidents are. */
  footprint: Ring.optional(),
});
export type Camera = z.infer<typeof CameraSchema>;

export const CameraRegistrySchema = z.strictObject({ cameras: z.array(CameraSchema) });
