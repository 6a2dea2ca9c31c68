import { locatePoint } from './image-plane.ts';
import { LocalPlane, type LonLat } from './lon-lat.ts';

/**
 * Shapes a moving point is tested against, many times per second: built once, then queried
 * without allocation. Arguments are (lon, lat), GeoJSON's order.
 */
export interface Area {
  contains(lon: number, lat: number): boolean;
}

/**
 * A polygon (either winding, not self-crossing), with its bounding box as a quick reject. A point
 * on its boundary is inside (the edge rule of lon-lat.ts).
 */
export class PolygonArea implements Area {
  private readonly ring: readonly LonLat[];
  private readonly minLat: number;
  private readonly maxLat: number;
  private readonly minLon: number;
  private readonly maxLon: number;

  constructor(points: readonly LonLat[]) {
    this.ring = points;
    this.minLon = Math.min(...points.map((p) => p[0]));
    this.maxLon = Math.max(...points.map((p) => p[0]));
    this.minLat = Math.min(...points.map((p) => p[1]));
    this.maxLat = Math.max(...points.map((p) => p[1]));
  }

  contains(lon: number, lat: number): boolean {
    if (lat < this.minLat || lat > this.maxLat || lon < this.minLon || lon > this.maxLon) return false;
    return locatePoint(lon, lat, this.ring) !== 'outside';
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

  contains(lon: number, lat: number): boolean {
    const x = this.plane.x(lon);
    const y = this.plane.y(lat);
    if (x < this.minX || x > this.maxX || y < this.minY || y > this.maxY) return false;
    return this.squaredDistance(x, y) <= this.half2;
  }

  /** Metres from the point to the path. */
  distance(lon: number, lat: number): number {
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
