/** Small pure geometry on polygons given as [x, y] vertices (open rings). */

export type Point = [number, number];

export function polygonArea(poly: readonly Point[]): number {
  let twice = 0;
  for (let i = 0; i < poly.length; i++) {
    const [x1, y1] = poly[i] as Point;
    const [x2, y2] = poly[(i + 1) % poly.length] as Point;
    twice += x1 * y2 - x2 * y1;
  }
  return Math.abs(twice) / 2;
}

export function centroid(poly: readonly Point[]): Point {
  let cx = 0;
  let cy = 0;
  let twice = 0;
  for (let i = 0; i < poly.length; i++) {
    const [x1, y1] = poly[i] as Point;
    const [x2, y2] = poly[(i + 1) % poly.length] as Point;
    const cross = x1 * y2 - x2 * y1;
    twice += cross;
    cx += (x1 + x2) * cross;
    cy += (y1 + y2) * cross;
  }
  if (Math.abs(twice) < 1e-12) {
    const n = Math.max(1, poly.length);
    return [poly.reduce((s, p) => s + p[0], 0) / n, poly.reduce((s, p) => s + p[1], 0) / n];
  }
  return [cx / (3 * twice), cy / (3 * twice)];
}

/** Even-odd rule; points on an edge may fall either way. */
export function pointInPolygon(x: number, y: number, poly: readonly Point[]): boolean {
  let inside = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [xi, yi] = poly[i] as Point;
    const [xj, yj] = poly[j] as Point;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

export function boundingBox(poly: readonly Point[]): [number, number, number, number] {
  const xs = poly.map((p) => p[0]);
  const ys = poly.map((p) => p[1]);
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}

/** Fills a polygon into a 0/1 mask by testing pixel centres. */
export function rasterise(
  poly: readonly Point[],
  width: number,
  height: number,
  mask = new Uint8Array(width * height),
): Uint8Array {
  const [x1, y1, x2, y2] = boundingBox(poly);
  for (let y = Math.max(0, Math.floor(y1)); y <= Math.min(height - 1, Math.ceil(y2)); y++) {
    for (let x = Math.max(0, Math.floor(x1)); x <= Math.min(width - 1, Math.ceil(x2)); x++) {
      if (pointInPolygon(x + 0.5, y + 0.5, poly)) mask[y * width + x] = 1;
    }
  }
  return mask;
}

/** Intersection over union of two polygons, by rasterising both on a common pixel grid. */
export function polygonIou(a: readonly Point[], b: readonly Point[]): number {
  const [ax1, ay1, ax2, ay2] = boundingBox(a);
  const [bx1, by1, bx2, by2] = boundingBox(b);
  if (ax2 < bx1 || bx2 < ax1 || ay2 < by1 || by2 < ay1) return 0;
  const ox = Math.floor(Math.min(ax1, bx1));
  const oy = Math.floor(Math.min(ay1, by1));
  const width = Math.ceil(Math.max(ax2, bx2)) - ox + 1;
  const height = Math.ceil(Math.max(ay2, by2)) - oy + 1;
  const shift = (poly: readonly Point[]) => poly.map(([x, y]) => [x - ox, y - oy] as Point);
  const ma = rasterise(shift(a), width, height);
  const mb = rasterise(shift(b), width, height);
  let inter = 0;
  let union = 0;
  for (let i = 0; i < ma.length; i++) {
    inter += (ma[i] ?? 0) & (mb[i] ?? 0);
    union += (ma[i] ?? 0) | (mb[i] ?? 0);
  }
  return union > 0 ? inter / union : 0;
}
