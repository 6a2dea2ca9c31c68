import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { type LonLat, pointInPolygon } from '../../foundation/geometry/lon-lat.ts';
import { EdgeError } from '../errors.ts';

const Position = z.tuple([z.number().min(-180).max(180), z.number().min(-90).max(90)]).rest(z.number());
const Ring = z.array(Position).min(4, 'a linear ring needs at least 4 positions');

const PolygonGeometry = z.object({ type: z.literal('Polygon'), coordinates: z.array(Ring).min(1) });
const MultiPolygonGeometry = z.object({
  type: z.literal('MultiPolygon'),
  coordinates: z.array(z.array(Ring).min(1)).min(1),
});

/** A registry of permitted structures or approved building works: GeoJSON polygons (WGS 84 lon/lat). */
export const PermittedRegistrySchema = z.object({
  type: z.literal('FeatureCollection'),
  features: z.array(
    z.object({
      type: z.literal('Feature'),
      id: z.union([z.string(), z.number()]).optional(),
      properties: z.record(z.string(), z.unknown()).nullable().default({}),
      geometry: z.discriminatedUnion('type', [PolygonGeometry, MultiPolygonGeometry]),
    }),
  ),
});

export interface PermittedArea {
  id: string;
  /** Outer ring then holes, each [lon, lat] points. */
  rings: LonLat[][];
}

export class PermittedRegistry {
  constructor(readonly areas: readonly PermittedArea[]) {}

  static empty(): PermittedRegistry {
    return new PermittedRegistry([]);
  }

  static async load(file: string): Promise<PermittedRegistry> {
    let raw: unknown;
    try {
      raw = JSON.parse(await readFile(file, 'utf8'));
    } catch (error) {
      throw new EdgeError('FLIGHT_PERMITTED_INVALID', `${file}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    const parsed = PermittedRegistrySchema.safeParse(raw);
    if (!parsed.success)
      throw new EdgeError('FLIGHT_PERMITTED_INVALID', `${file}:\n${z.prettifyError(parsed.error)}`);
    const areas: PermittedArea[] = [];
    parsed.data.features.forEach((f, k) => {
      const props = f.properties ?? {};
      const id = String(f.id ?? props.id ?? `feature-${k}`);
      const polygons = f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates;
      for (const rings of polygons)
        areas.push({ id, rings: rings.map((r) => r.map((p): LonLat => [p[0], p[1]])) });
    });
    return new PermittedRegistry(areas);
  }

  /** The permit covering a point ([lon, lat]), if any: inside an outer ring and outside its holes. */
  permitAt(lon: number, lat: number): string | undefined {
    return this.areas.find((a) => pointInPolygon([lon, lat], a.rings))?.id;
  }
}
