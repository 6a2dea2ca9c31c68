/** Boxes as [x1, y1, x2, y2], in any one unit (pixels or fractions of the image). */
type Rect = readonly [number, number, number, number];

/** Intersection over union of two boxes (0 when either has no area). */
export function boxIou(a: Rect, b: Rect): number {
  const w = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const h = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  const union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
  return union > 0 ? inter / union : 0;
}

export function boxCentre(box: Rect): [number, number] {
  return [(box[0] + box[2]) / 2, (box[1] + box[3]) / 2];
}

/** Whether `inner`'s centre lies in `outer` (its edge included). */
export function centreInside(inner: Rect, outer: Rect): boolean {
  const [x, y] = boxCentre(inner);
  return x >= outer[0] && x <= outer[2] && y >= outer[1] && y <= outer[3];
}
