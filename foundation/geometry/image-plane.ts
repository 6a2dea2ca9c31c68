import type { Box } from '../media/frame.ts';

/**
 * Plane geometry: points, polygons, lines and boxes in one x/y plane. For images, x to the right
 * and y DOWN, either normalised (0..1 of the frame) or pixels; every function works in whichever
 * the caller uses, as long as all its arguments use the same one. (lon-lat.ts tests rings in
 * degrees with these same functions.)
 *
 * THE EDGE RULE, here and in lon-lat.ts: a point ON a polygon's boundary (an edge or a corner,
 * within GEOMETRY_EPSILON) is INSIDE. Plain ray casting decides such points arbitrarily (a point
 * on the left edge in, one on the right edge out), which would make a person standing exactly on a
 * zone line flicker in and out, and would let two zones that share an edge both miss a point on it.
 *
 * The query functions allocate nothing: they run per detection per zone per frame. `toPixels`
 * (and `bottomCentre` without `out`) allocate and are meant for set-up, not the per-frame loop.
 */

/** A point [x, y]. */
export type Point = readonly [x: number, y: number];
/** A polygon as its corners in order around the outline (either winding); closed implicitly. */
export type Polygon = readonly Point[];
/** Which side of a directed line a point lies on: see `sideOfLine`. */
export type Side = -1 | 0 | 1;

/**
 * Distance (in the caller's coordinate units) within which a point counts as ON an edge or line.
 * Small enough to be exact for any real frame, large enough to absorb the rounding of
 * normalised → pixel conversion (0.1 * 768 = 76.80000000000001).
 */
const GEOMETRY_EPSILON = 1e-9;
const EPSILON_SQUARED = GEOMETRY_EPSILON * GEOMETRY_EPSILON;

/**
 * Whether (x, y) is inside the polygon, by even-odd ray casting; a point on the boundary is inside
 * (the edge rule above). Self-intersecting polygons follow the even-odd rule. Fewer than 3 points:
 * never inside. The polygon may repeat its first corner at the end (a closed GeoJSON ring).
 */
export function pointInPolygon(x: number, y: number, polygon: Polygon): boolean {
  return locatePoint(x, y, polygon) !== 'outside';
}

/** Where (x, y) is relative to the polygon: 'boundary' within GEOMETRY_EPSILON of an edge or corner. */
export function locatePoint(x: number, y: number, polygon: Polygon): 'inside' | 'boundary' | 'outside' {
  const n = polygon.length;
  if (n < 3) return 'outside';
  let inside = false;
  let prev = polygon[n - 1] as Point;
  for (let i = 0; i < n; i++) {
    const cur = polygon[i] as Point;
    const xi = cur[0];
    const yi = cur[1];
    const xj = prev[0];
    const yj = prev[1];
    if (onSegment(x, y, xj, yj, xi, yi)) return 'boundary';
    // Half-open rule on y so that a vertex the ray passes through is counted once.
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
    prev = cur;
  }
  return inside ? 'inside' : 'outside';
}

/**
 * The middle of a box's bottom edge: where an upright person or vehicle touches the ground, and so
 * the point that decides which zone it is in (its head may overlap a zone it is not standing in).
 * Writes into `out` when given (no allocation) and returns it.
 */
export function bottomCentre(box: Readonly<Box>, out: [number, number] = [0, 0]): [number, number] {
  out[0] = (box[0] + box[2]) / 2;
  out[1] = box[3];
  return out;
}

/** Area of a box [x1, y1, x2, y2]; 0 for an inverted or empty box. */
export function boxArea(box: Readonly<Box>): number {
  const w = box[2] - box[0];
  const h = box[3] - box[1];
  return w > 0 && h > 0 ? w * h : 0;
}

/** Area of a polygon by the shoelace formula (absolute, so either winding); 0 below 3 points. */
/**
 * The part of `box` given as fractions of it ([x1, y1, x2, y2], 0..1), clipped to the frame;
 * undefined when a side is under `minSide` pixels.
 */
export function subBox(
  box: Readonly<Box>,
  region: readonly [number, number, number, number],
  frameWidth: number,
  frameHeight: number,
  minSide: number,
): Box | undefined {
  const w = box[2] - box[0];
  const h = box[3] - box[1];
  const x1 = Math.max(0, box[0] + region[0] * w);
  const y1 = Math.max(0, box[1] + region[1] * h);
  const x2 = Math.min(frameWidth, box[0] + region[2] * w);
  const y2 = Math.min(frameHeight, box[1] + region[3] * h);
  return x2 - x1 < minSide || y2 - y1 < minSide ? undefined : [x1, y1, x2, y2];
}

export function polygonArea(polygon: Polygon): number {
  const n = polygon.length;
  if (n < 3) return 0;
  let twice = 0;
  let prev = polygon[n - 1] as Point;
  for (let i = 0; i < n; i++) {
    const cur = polygon[i] as Point;
    twice += prev[0] * cur[1] - cur[0] * prev[1];
    prev = cur;
  }
  return Math.abs(twice) / 2;
}

/**
 * Area-weighted centroid of a polygon (either winding); the mean of its corners when it has (next
 * to) no area.
 */
export function polygonCentroid(polygon: Polygon): Point {
  // Sums about the first vertex: on absolute coordinates (lon/lat ≈ 113 × 23 around a building of
  // 1e-4 degrees) the cross products cancel and the centroid lands tens of metres away.
  const [ox, oy] = polygon[0] ?? [0, 0];
  let cx = 0;
  let cy = 0;
  let twice = 0;
  const n = polygon.length;
  let prev = polygon[n - 1] as Point;
  for (let i = 0; i < n; i++) {
    const cur = polygon[i] as Point;
    const [px, py] = [prev[0] - ox, prev[1] - oy];
    const [qx, qy] = [cur[0] - ox, cur[1] - oy];
    const cross = px * qy - qx * py;
    twice += cross;
    cx += (px + qx) * cross;
    cy += (py + qy) * cross;
    prev = cur;
  }
  if (Math.abs(twice) < 1e-12) {
    const count = Math.max(1, n);
    let sx = 0;
    let sy = 0;
    for (const p of polygon) {
      sx += p[0];
      sy += p[1];
    }
    return [sx / count, sy / count];
  }
  return [ox + cx / (3 * twice), oy + cy / (3 * twice)];
}

/** The polygon's bounding box [minX, minY, maxX, maxY]. */
export function boundingBox(polygon: Polygon): [number, number, number, number] {
  let x1 = Number.POSITIVE_INFINITY;
  let y1 = Number.POSITIVE_INFINITY;
  let x2 = Number.NEGATIVE_INFINITY;
  let y2 = Number.NEGATIVE_INFINITY;
  for (const p of polygon) {
    if (p[0] < x1) x1 = p[0];
    if (p[0] > x2) x2 = p[0];
    if (p[1] < y1) y1 = p[1];
    if (p[1] > y2) y2 = p[1];
  }
  return [x1, y1, x2, y2];
}

/**
 * Which side of the directed line a → b the point lies on, as seen on screen (y down):
 *   1: to the RIGHT when looking from a towards b (clockwise from the line),
 *  -1: to the LEFT,
 *   0: on the line (within GEOMETRY_EPSILON) — or a and b coincide.
 * For the line through a and b, not just the segment. A track crossed the line when its side went
 * from -1 to 1 or back; a 0 is "on the line, not yet crossed", so keep the last non-zero side.
 */
export function sideOfLine(point: Point, a: Point, b: Point): Side {
  return orientation(a[0], a[1], b[0], b[1], point[0], point[1]);
}

/**
 * Whether segment p1–p2 and segment q1–q2 share at least one point: a proper crossing, one
 * touching the other (an end on the other segment), or collinear overlap. Zero-length segments
 * are points. Use with `sideOfLine` to tell a crossing of a line SEGMENT (a counting line that
 * ends) from a crossing of its extension.
 */
export function segmentsIntersect(p1: Point, p2: Point, q1: Point, q2: Point): boolean {
  const o1 = orientation(p1[0], p1[1], p2[0], p2[1], q1[0], q1[1]);
  const o2 = orientation(p1[0], p1[1], p2[0], p2[1], q2[0], q2[1]);
  const o3 = orientation(q1[0], q1[1], q2[0], q2[1], p1[0], p1[1]);
  const o4 = orientation(q1[0], q1[1], q2[0], q2[1], p2[0], p2[1]);
  if (o1 * o2 < 0 && o3 * o4 < 0) return true;
  if (o1 === 0 && withinBounds(q1[0], q1[1], p1, p2)) return true;
  if (o2 === 0 && withinBounds(q2[0], q2[1], p1, p2)) return true;
  if (o3 === 0 && withinBounds(p1[0], p1[1], q1, q2)) return true;
  if (o4 === 0 && withinBounds(p2[0], p2[1], q1, q2)) return true;
  return false;
}

/** A normalised (0..1) polygon in pixels of a width × height frame. Allocates: call at set-up. */
export function toPixels(polygon: Polygon, width: number, height: number): [number, number][] {
  return polygon.map((p): [number, number] => [p[0] * width, p[1] * height]);
}

/** Sign of the cross product (b - a) × (p - a), 0 when p is within GEOMETRY_EPSILON of line ab. */
function orientation(ax: number, ay: number, bx: number, by: number, px: number, py: number): Side {
  const dx = bx - ax;
  const dy = by - ay;
  const cross = dx * (py - ay) - dy * (px - ax);
  // |cross| = |ab| * distance(p, line ab); compare squared to avoid a sqrt.
  if (cross * cross <= EPSILON_SQUARED * (dx * dx + dy * dy)) return 0;
  return cross > 0 ? 1 : -1;
}

/** Whether (px, py) lies in the bounding box of a–b, widened by GEOMETRY_EPSILON. */
function withinBounds(px: number, py: number, a: Point, b: Point): boolean {
  return (
    px >= Math.min(a[0], b[0]) - GEOMETRY_EPSILON &&
    px <= Math.max(a[0], b[0]) + GEOMETRY_EPSILON &&
    py >= Math.min(a[1], b[1]) - GEOMETRY_EPSILON &&
    py <= Math.max(a[1], b[1]) + GEOMETRY_EPSILON
  );
}

/** Whether (px, py) is on segment (ax, ay)–(bx, by), within GEOMETRY_EPSILON. */
function onSegment(px: number, py: number, ax: number, ay: number, bx: number, by: number): boolean {
  if (
    px < Math.min(ax, bx) - GEOMETRY_EPSILON ||
    px > Math.max(ax, bx) + GEOMETRY_EPSILON ||
    py < Math.min(ay, by) - GEOMETRY_EPSILON ||
    py > Math.max(ay, by) + GEOMETRY_EPSILON
  ) {
    return false;
  }
  return orientation(ax, ay, bx, by, px, py) === 0;
}
