/**
 * Geometry of the zone editor, on normalised points [x, y] (0..1 of the snapshot, y down). The
 * containment test is foundation/geometry/image-plane.ts's pointInPolygon written again for the
 * browser (the UI has no build step to import it): even-odd ray casting with a point on the
 * boundary counting as inside, so the preview places objects exactly as the edge's zones do
 * (test/ui/zone-editor-geometry.test.ts compares the two).
 */

const EPSILON = 1e-9;
const EPSILON_SQUARED = EPSILON * EPSILON;

const clamp = (v) => Math.min(1, Math.max(0, v));
/** Points are stored rounded to 4 decimals (a tenth of a pixel on a 1080p frame): readable configs. */
const round = (v) => Math.round(clamp(v) * 10_000) / 10_000;

export const roundPoint = (p) => [round(p[0]), round(p[1])];

/** A point of the element under a pointer, normalised to it. */
export function pointIn(element, event) {
  const r = element.getBoundingClientRect();
  return roundPoint([(event.clientX - r.left) / r.width, (event.clientY - r.top) / r.height]);
}

function orientation(a, b, p) {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const cross = dx * (p[1] - a[1]) - dy * (p[0] - a[0]);
  if (cross * cross <= EPSILON_SQUARED * (dx * dx + dy * dy)) return 0;
  return cross > 0 ? 1 : -1;
}

function withinBounds(p, a, b) {
  return (
    p[0] >= Math.min(a[0], b[0]) - EPSILON &&
    p[0] <= Math.max(a[0], b[0]) + EPSILON &&
    p[1] >= Math.min(a[1], b[1]) - EPSILON &&
    p[1] <= Math.max(a[1], b[1]) + EPSILON
  );
}

/** Whether point p is inside the polygon or on its boundary. */
export function pointInPolygon(p, polygon) {
  const n = polygon.length;
  if (n < 3) return false;
  let inside = false;
  let prev = polygon[n - 1];
  for (const cur of polygon) {
    if (withinBounds(p, prev, cur) && orientation(prev, cur, p) === 0) return true;
    if (
      cur[1] > p[1] !== prev[1] > p[1] &&
      p[0] < ((prev[0] - cur[0]) * (p[1] - cur[1])) / (prev[1] - cur[1]) + cur[0]
    )
      inside = !inside;
    prev = cur;
  }
  return inside;
}

/** Where an object stands: the middle of its box's bottom edge (the point the edge's zones test). */
export const bottomCentre = (box) => [(box[0] + box[2]) / 2, box[3]];

function segmentsIntersect(p1, p2, q1, q2) {
  const o1 = orientation(p1, p2, q1);
  const o2 = orientation(p1, p2, q2);
  const o3 = orientation(q1, q2, p1);
  const o4 = orientation(q1, q2, p2);
  if (o1 * o2 < 0 && o3 * o4 < 0) return true;
  return (
    (o1 === 0 && withinBounds(q1, p1, p2)) ||
    (o2 === 0 && withinBounds(q2, p1, p2)) ||
    (o3 === 0 && withinBounds(p1, q1, q2)) ||
    (o4 === 0 && withinBounds(p2, q1, q2))
  );
}

function area(points) {
  let twice = 0;
  let prev = points[points.length - 1];
  for (const cur of points) {
    twice += prev[0] * cur[1] - cur[0] * prev[1];
    prev = cur;
  }
  return Math.abs(twice) / 2;
}

/**
 * What is wrong with a zone's outline, as the edge config schema (foundation/edge-config/
 * zone-schema.ts) would refuse it: `{key, vars}` for the i18n text, or undefined when it is usable.
 */
export function polygonProblem(points) {
  const n = points.length;
  if (n < 3) return { key: 'zones.problem.fewPoints', vars: { n } };
  for (let i = 0; i < n; i++) {
    const a = points[i];
    const b = points[(i + 1) % n];
    if (a[0] === b[0] && a[1] === b[1]) return { key: 'zones.problem.repeated', vars: { i: (i + 1) % n } };
  }
  for (let i = 0; i < n; i++) {
    for (let j = i + 2; j < n; j++) {
      if (i === 0 && j === n - 1) continue;
      if (segmentsIntersect(points[i], points[(i + 1) % n], points[j], points[(j + 1) % n]))
        return { key: 'zones.problem.crossing', vars: { a: i, b: j } };
    }
  }
  if (area(points) === 0) return { key: 'zones.problem.flat', vars: {} };
  return undefined;
}

const STEPS = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };

/** A point moved by one arrow key (`step` of the image), kept inside it; undefined for other keys. */
export function nudgedPoint(point, key, step) {
  const d = STEPS[key];
  return d ? roundPoint([point[0] + d[0] * step, point[1] + d[1] * step]) : undefined;
}

/** Every point of a shape moved by the same offset, kept inside the image as a whole. */
export function shifted(points, dx, dy) {
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  const mx = Math.min(1 - Math.max(...xs), Math.max(-Math.min(...xs), dx));
  const my = Math.min(1 - Math.max(...ys), Math.max(-Math.min(...ys), dy));
  return points.map((p) => roundPoint([p[0] + mx, p[1] + my]));
}
