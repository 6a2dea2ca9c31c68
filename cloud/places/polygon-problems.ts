import { type LonLat, type PolygonRings, pointInPolygon } from './geo.ts';

/** What is wrong with a geometry, at a JSON pointer into it (`/coordinates/0/1`). */
export interface GeometryProblem {
  path: string;
  message: string;
}

/**
 * Why polygons are not valid GeoJSON polygons: each ring closed, with an area, not crossing
 * itself; each hole inside its outer ring. `paths` names each polygon's coordinates.
 */
export function polygonProblems(
  polygons: readonly PolygonRings[],
  paths: readonly string[],
): GeometryProblem[] {
  const problems: GeometryProblem[] = [];
  polygons.forEach((rings, p) => {
    const at = paths[p] ?? `/coordinates/${p}`;
    rings.forEach((ring, r) => {
      const message = ringProblem(ring);
      if (message) problems.push({ path: `${at}/${r}`, message });
    });
    const [outer, ...holes] = rings;
    if (!outer) return;
    holes.forEach((hole, h) => {
      if (hole.some((point) => !pointInPolygon(point, [outer])))
        problems.push({ path: `${at}/${h + 1}`, message: 'a hole must lie inside the outer ring' });
    });
  });
  return problems;
}

function ringProblem(ring: readonly LonLat[]): string | undefined {
  const first = ring[0];
  const last = ring[ring.length - 1];
  if (!first || !last || first[0] !== last[0] || first[1] !== last[1])
    return 'the ring is not closed: its last position must repeat the first';
  const points = withoutRepeats(ring.slice(0, -1));
  if (points.length < 3) return 'the ring has no area';
  const crossing = selfCrossing(points);
  if (crossing) return `the ring crosses itself: edges ${crossing[0]} and ${crossing[1]}`;
  return signedArea(points) === 0 ? 'the ring has no area' : undefined;
}

function withoutRepeats(points: readonly LonLat[]): LonLat[] {
  return points.filter((point, i) => {
    const previous = points[(i - 1 + points.length) % points.length] as LonLat;
    return points.length === 1 || point[0] !== previous[0] || point[1] !== previous[1];
  });
}

function signedArea(points: readonly LonLat[]): number {
  let sum = 0;
  for (let i = 0, j = points.length - 1; i < points.length; j = i++) {
    const [xi, yi] = points[i] as LonLat;
    const [xj, yj] = points[j] as LonLat;
    sum += xj * yi - xi * yj;
  }
  return sum / 2;
}

/** The first pair of edges of the (open) ring that touch or cross, other than neighbours. */
function selfCrossing(points: readonly LonLat[]): [number, number] | undefined {
  const n = points.length;
  const edge = (i: number): [LonLat, LonLat] => [points[i] as LonLat, points[(i + 1) % n] as LonLat];
  for (let i = 0; i < n; i++) {
    for (let j = i + 2; j < n; j++) {
      if (i === 0 && j === n - 1) continue;
      const [a, b] = edge(i);
      const [c, d] = edge(j);
      if (segmentsTouch(a, b, c, d)) return [i, j];
    }
  }
  return undefined;
}

function orientation(a: LonLat, b: LonLat, c: LonLat): number {
  return Math.sign((b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]));
}

function onSegment(a: LonLat, b: LonLat, p: LonLat): boolean {
  return (
    Math.min(a[0], b[0]) <= p[0] &&
    p[0] <= Math.max(a[0], b[0]) &&
    Math.min(a[1], b[1]) <= p[1] &&
    p[1] <= Math.max(a[1], b[1])
  );
}

function segmentsTouch(a: LonLat, b: LonLat, c: LonLat, d: LonLat): boolean {
  const o1 = orientation(a, b, c);
  const o2 = orientation(a, b, d);
  const o3 = orientation(c, d, a);
  const o4 = orientation(c, d, b);
  if (o1 !== o2 && o3 !== o4) return true;
  return (
    (o1 === 0 && onSegment(a, b, c)) ||
    (o2 === 0 && onSegment(a, b, d)) ||
    (o3 === 0 && onSegment(c, d, a)) ||
    (o4 === 0 && onSegment(c, d, b))
  );
}
