import { boundingBox, type Point, type Polygon, pointInPolygon } from './image-plane.ts';

/**
 * Fills a polygon (pixel coordinates) into a 0/1 mask of width × height by testing pixel centres;
 * a centre on the polygon's boundary is inside (the edge rule of image-plane.ts).
 */
export function rasterise(
  polygon: Polygon,
  width: number,
  height: number,
  mask = new Uint8Array(width * height),
): Uint8Array {
  const [x1, y1, x2, y2] = boundingBox(polygon);
  for (let y = Math.max(0, Math.floor(y1)); y <= Math.min(height - 1, Math.ceil(y2)); y++) {
    for (let x = Math.max(0, Math.floor(x1)); x <= Math.min(width - 1, Math.ceil(x2)); x++) {
      if (pointInPolygon(x + 0.5, y + 0.5, polygon)) mask[y * width + x] = 1;
    }
  }
  return mask;
}

/** Intersection over union of two polygons, by rasterising both on a common pixel grid. */
export function polygonIou(a: Polygon, b: Polygon): number {
  const [ax1, ay1, ax2, ay2] = boundingBox(a);
  const [bx1, by1, bx2, by2] = boundingBox(b);
  if (ax2 < bx1 || bx2 < ax1 || ay2 < by1 || by2 < ay1) return 0;
  const ox = Math.floor(Math.min(ax1, bx1));
  const oy = Math.floor(Math.min(ay1, by1));
  const width = Math.ceil(Math.max(ax2, bx2)) - ox + 1;
  const height = Math.ceil(Math.max(ay2, by2)) - oy + 1;
  const shift = (polygon: Polygon) => polygon.map(([x, y]): Point => [x - ox, y - oy]);
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
