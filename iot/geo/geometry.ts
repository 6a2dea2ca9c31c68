/**
 * Geometry on WGS-84 lon/lat at city scale. Shapes are projected once onto a local plane in metres
 * (equirectangular around their own centre: under 0.1 % error across tens of kilometres), so the
 * per-reading tests are plain planar arithmetic without allocation.
 */

/** [lon, lat] in degrees, GeoJSON order. */
export type LonLat = readonly [number, number];

const EARTH_RADIUS_M = 6_371_008.8;
const RAD = Math.PI / 180;

/** Great-circle distance in metres (haversine). */
export function distanceMeters(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const dLat = (lat2 - lat1) * RAD;
  const dLon = (lon2 - lon1) * RAD;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * RAD) * Math.cos(lat2 * RAD) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(a)));
}

/** A local metric plane: x east, y north, metres from the origin. */
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

  static around(points: readonly LonLat[]): LocalPlane {
    let lon = 0;
    let lat = 0;
    for (const p of points) {
      lon += p[0];
      lat += p[1];
    }
    return new LocalPlane(lon / points.length, lat / points.length);
  }
}

/** A shape a point is tested against: inside a polygon, or within a corridor along a path. */
export interface Area {
  contains(lat: number, lon: number): boolean;
}

/** A polygon (either winding, not self-crossing), with its bounding box as a quick reject. */
export class PolygonArea implements Area {
  private readonly plane: LocalPlane;
  private readonly xs: Float64Array;
  private readonly ys: Float64Array;
  private readonly minLat: number;
  private readonly maxLat: number;
  private readonly minLon: number;
  private readonly maxLon: number;

  constructor(points: readonly LonLat[]) {
    this.plane = LocalPlane.around(points);
    this.xs = Float64Array.from(points, (p) => this.plane.x(p[0]));
    this.ys = Float64Array.from(points, (p) => this.plane.y(p[1]));
    this.minLon = Math.min(...points.map((p) => p[0]));
    this.maxLon = Math.max(...points.map((p) => p[0]));
    this.minLat = Math.min(...points.map((p) => p[1]));
    this.maxLat = Math.max(...points.map((p) => p[1]));
  }

  contains(lat: number, lon: number): boolean {
    if (lat < this.minLat || lat > this.maxLat || lon < this.minLon || lon > this.maxLon) return false;
    const x = this.plane.x(lon);
    const y = this.plane.y(lat);
    const { xs, ys } = this;
    let inside = false;
    for (let i = 0, j = xs.length - 1; i < xs.length; j = i++) {
      const yi = ys[i] as number;
      const yj = ys[j] as number;
      if (yi > y !== yj > y) {
        const xi = xs[i] as number;
        const xj = xs[j] as number;
        if (x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
      }
    }
    return inside;
  }
}

/** Points within `halfWidthMeters` of a path (a permitted route with its tolerance either side). */
export class CorridorArea implements Area {
  private readonly plane: LocalPlane;
  private readonly xs: Float64Array;
  private readonly ys: Float64Array;
  private readonly minX: number;
  private readonly maxX: number;
  private readonly minY: number;
  private readonly maxY: number;
  private readonly half2: number;

  constructor(
    path: readonly LonLat[],
    readonly halfWidthMeters: number,
  ) {
    this.plane = LocalPlane.around(path);
    this.xs = Float64Array.from(path, (p) => this.plane.x(p[0]));
    this.ys = Float64Array.from(path, (p) => this.plane.y(p[1]));
    this.minX = Math.min(...this.xs) - halfWidthMeters;
    this.maxX = Math.max(...this.xs) + halfWidthMeters;
    this.minY = Math.min(...this.ys) - halfWidthMeters;
    this.maxY = Math.max(...this.ys) + halfWidthMeters;
    this.half2 = halfWidthMeters * halfWidthMeters;
  }

  contains(lat: number, lon: number): boolean {
    const x = this.plane.x(lon);
    const y = this.plane.y(lat);
    if (x < this.minX || x > this.maxX || y < this.minY || y > this.maxY) return false;
    return this.squaredDistance(x, y) <= this.half2;
  }

  /** Metres from the point to the path. */
  distance(lat: number, lon: number): number {
    return Math.sqrt(this.squaredDistance(this.plane.x(lon), this.plane.y(lat)));
  }

  private squaredDistance(x: number, y: number): number {
    const { xs, ys } = this;
    let best = Number.POSITIVE_INFINITY;
    for (let i = 1; i < xs.length; i++) {
      const ax = xs[i - 1] as number;
      const ay = ys[i - 1] as number;
      const dx = (xs[i] as number) - ax;
      const dy = (ys[i] as number) - ay;
      const len2 = dx * dx + dy * dy;
      const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / len2));
      const ex = ax + t * dx - x;
      const ey = ay + t * dy - y;
      const d2 = ex * ex + ey * ey;
      if (d2 < best) best = d2;
    }
    return best;
  }
}
