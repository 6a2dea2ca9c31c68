import { locatePoint, polygonCentroid } from './image-plane.ts';

/**
 * Geometry on WGS-84 longitude/latitude in degrees, at city scale. Points are `[lon, lat]`
 * tuples, GeoJSON's order, in every function here.
 *
 * Containment is tested planar in degrees, as GeoJSON does (and as the equirectangular local
 * plane below does, being affine in lon and lat), with THE EDGE RULE of image-plane.ts: a point on
 * a polygon's boundary (within GEOMETRY_EPSILON degrees, about 0.1 mm) is INSIDE. A hole's edge is
 * part of the boundary too, so a point on it is inside the polygon.
 */

/** [longitude, latitude] in degrees (WGS-84), GeoJSON's order. */
export type LonLat = readonly [lon: number, lat: number];
/** A polygon as GeoJSON has it: an outer ring, then holes; each ring closed or not. */
export type PolygonRings = readonly (readonly LonLat[])[];
/** [minLon, minLat, maxLon, maxLat], GeoJSON's bbox order. */
type LonLatBox = readonly [minLon: number, minLat: number, maxLon: number, maxLat: number];

/** Whether the point is inside the outer ring and not strictly inside a hole (the edge rule above). */
export function pointInPolygon(point: LonLat, polygon: PolygonRings): boolean {
  const [lon, lat] = point;
  const outer = polygon[0];
  if (!outer || locatePoint(lon, lat, outer) === 'outside') return false;
  for (let i = 1; i < polygon.length; i++) {
    if (locatePoint(lon, lat, polygon[i] as readonly LonLat[]) === 'inside') return false;
  }
  return true;
}

/** Whether the point is in the box, its edges included. */
export function boxContains(box: LonLatBox, point: LonLat): boolean {
  return point[0] >= box[0] && point[0] <= box[2] && point[1] >= box[1] && point[1] <= box[3];
}

const EARTH_RADIUS_M = 6_371_008.8;
const RAD = Math.PI / 180;

/** Great-circle distance in metres between two points (haversine). */
export function distanceMeters(a: LonLat, b: LonLat): number {
  const dLat = (b[1] - a[1]) * RAD;
  const dLon = (b[0] - a[0]) * RAD;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a[1] * RAD) * Math.cos(b[1] * RAD) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Area-weighted centroid of a ring (planar in degrees: accurate for city-sized areas). */
export function ringCentroid(ring: readonly LonLat[]): LonLat {
  return polygonCentroid(ring);
}

/** Plain mean of points (small spreads). */
export function meanPoint(points: readonly LonLat[]): LonLat {
  const n = points.length;
  return [points.reduce((s, p) => s + p[0], 0) / n, points.reduce((s, p) => s + p[1], 0) / n];
}

/**
 * A local metric plane: x east, y north, metres from the origin (equirectangular around the
 * origin: under 0.1 % error across tens of kilometres), so that per-reading tests are plain planar
 * arithmetic without allocation.
 */
export class LocalPlane {
  private readonly kx: number;
  private readonly ky = EARTH_RADIUS_M * RAD;

  constructor(
    readonly lon0: number,
    readonly lat0: number,
  ) {
    this.kx = EARTH_RADIUS_M * RAD * Math.cos(lat0 * RAD);
  }

  x(lon: number): number {
    return (lon - this.lon0) * this.kx;
  }

  y(lat: number): number {
    return (lat - this.lat0) * this.ky;
  }

  /** The plane around the mean of `points`. */
  static around(points: readonly LonLat[]): LocalPlane {
    const [lon, lat] = meanPoint(points);
    return new LocalPlane(lon, lat);
  }
}
