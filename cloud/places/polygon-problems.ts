import { polygonArea, segmentsIntersect } from '../../foundation/geometry/image-plane.ts';
import { type LonLat, type PolygonRings, pointInPolygon } from '../../foundation/geometry/lon-lat.ts';

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
  return polygonArea(points) === 0 ? 'the ring has no area' : undefined;
}

function withoutRepeats(points: readonly LonLat[]): LonLat[] {
  return points.filter((point, i) => {
    const previous = points[(i - 1 + points.length) % points.length] as LonLat;
    return points.length === 1 || point[0] !== previous[0] || point[1] !== previous[1];
  });
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
      if (segmentsIntersect(a, b, c, d)) return [i, j];
    }
  }
  return undefined;
}
