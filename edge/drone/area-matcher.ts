import { boxContains } from '../../foundation/geometry/lon-lat.ts';
import { EdgeError } from '../errors.ts';
import type { Baseline } from './baseline-store.ts';
import type { FlightImage } from './flight-image.ts';

export interface AreaBaselines {
  id: string;
  /** Configured bounding box, else the union of the baselines' footprints. */
  bbox?: [number, number, number, number];
  baselines: Baseline[];
}

type Bbox = [number, number, number, number];

function centreDistance(b: Bbox, [lon, lat]: [number, number]): number {
  return Math.hypot((b[0] + b[2]) / 2 - lon, (b[1] + b[3]) / 2 - lat);
}

export function unionBbox(boxes: Bbox[]): Bbox | undefined {
  if (boxes.length === 0) return undefined;
  return [
    Math.min(...boxes.map((b) => b[0])),
    Math.min(...boxes.map((b) => b[1])),
    Math.max(...boxes.map((b) => b[2])),
    Math.max(...boxes.map((b) => b[3])),
  ];
}

/** Where the image is on the ground: its orthophoto centre, else the camera's GPS position. */
export function imagePosition(image: FlightImage): [number, number] | undefined {
  if (image.geo) return image.geo.toLonLat(image.raster.width / 2, image.raster.height / 2);
  return image.gps;
}

/**
 * The area an image belongs to and its baselines to try, best first: by position where the
 * image is georeferenced, else the area named by the caller, else the only area there is.
 */
export function matchArea<A extends AreaBaselines>(
  image: FlightImage,
  areas: readonly A[],
  hint?: string,
): { area: A; baselines: Baseline[] } {
  const position = imagePosition(image);
  let area: A | undefined;
  if (hint) {
    area = areas.find((a) => a.id === hint);
    if (!area)
      throw new EdgeError(
        'FLIGHT_AREA_UNKNOWN',
        `${image.name}: no area "${hint}" (areas: ${areas.map((a) => a.id).join(', ')})`,
      );
  } else if (position) {
    area = areas
      .filter((a) => a.bbox && boxContains(a.bbox, position))
      .sort((a, b) => centreDistance(a.bbox as Bbox, position) - centreDistance(b.bbox as Bbox, position))[0];
    if (!area) {
      throw new EdgeError(
        'FLIGHT_AREA_UNKNOWN',
        `${image.name}: taken at ${position[1].toFixed(6)}, ${position[0].toFixed(6)}, outside every area (${areas.map((a) => a.id).join(', ')})`,
      );
    }
  } else if (areas.length === 1) {
    area = areas[0];
  }
  if (!area) {
    throw new EdgeError(
      'FLIGHT_AREA_UNKNOWN',
      `${image.name}: no GPS, GeoTIFF georeference or world file, and the flight names no area`,
    );
  }
  const baselines = position
    ? [...area.baselines].sort(
        (a, b) =>
          (a.bbox ? centreDistance(a.bbox, position) : Number.POSITIVE_INFINITY) -
          (b.bbox ? centreDistance(b.bbox, position) : Number.POSITIVE_INFINITY),
      )
    : area.baselines;
  return { area, baselines };
}
