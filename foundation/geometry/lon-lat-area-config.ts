import { z } from 'zod';
import { type Area, CorridorArea, PolygonArea } from './lon-lat-areas.ts';

/**
 * A named area on the ground as configs write it, WGS-84 [lon, lat] (GeoJSON order): a polygon,
 * or a path with a width (a permitted route). The IoT rules' no-go areas and dumping spots and the
 * cloud's permitted muck-truck routes are written the same way.
 */
const LonLatSchema = z.tuple([z.number().min(-180).max(180), z.number().min(-90).max(90)]);

export const AreaSchema = z.union([
  z.strictObject({
    name: z.string().min(1),
    polygon: z.array(LonLatSchema).min(3, 'need at least 3 points'),
  }),
  z.strictObject({
    name: z.string().min(1),
    /** The route's centre line; positions within widthMeters / 2 of it are on the route. */
    corridor: z.array(LonLatSchema).min(2, 'need at least 2 points'),
    widthMeters: z.number().positive(),
  }),
]);
export type AreaConfig = z.infer<typeof AreaSchema>;

/** The area made ready for containment tests. */
export function compileArea(area: AreaConfig): Area {
  return 'polygon' in area
    ? new PolygonArea(area.polygon)
    : new CorridorArea(area.corridor, area.widthMeters / 2);
}
