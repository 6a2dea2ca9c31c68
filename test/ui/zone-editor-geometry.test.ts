import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PolygonSchema } from '../../foundation/edge-config/zone-schema.ts';
import { pointInPolygon } from '../../foundation/geometry/image-plane.ts';
import { Rng } from '../../foundation/util/seeded-rng.ts';

// The zone editor's preview colours the detections standing in a zone, and its form refuses an
// outline before saving. Both are written again in the browser's plain JS (no build step): they
// must decide exactly as the edge (foundation/geometry) and the config schema do.
type Pt = [number, number];
interface EditorGeometry {
  pointInPolygon(p: Pt, polygon: Pt[]): boolean;
  polygonProblem(points: Pt[]): { key: string } | undefined;
}
const load = async () =>
  (await import(
    pathToFileURL(path.resolve('cloud/ui/public/js/zones/zone-geometry.js')).href
  )) as EditorGeometry;

describe('zone editor geometry, against the edge', () => {
  it('places points inside, outside and on the boundary of zones as the edge does', async () => {
    const editor = await load();
    const rng = new Rng(17);
    const random = () => rng.next();
    const grid = () => Math.round(random() * 20) / 20;
    let inside = 0;
    let onBoundary = 0;
    for (let n = 0; n < 400; n++) {
      const polygon: Pt[] = Array.from({ length: 3 + (n % 6) }, () => [grid(), grid()]);
      for (let k = 0; k < 25; k++) {
        // Grid points land on edges and corners often; the boundary rule (inside) must agree too.
        const p: Pt = k % 2 === 0 ? [grid(), grid()] : [random(), random()];
        const expected = pointInPolygon(p[0], p[1], polygon);
        expect(editor.pointInPolygon(p, polygon), `${JSON.stringify(p)} in ${JSON.stringify(polygon)}`).toBe(
          expected,
        );
        if (expected) inside++;
        if (polygon.some((c) => c[0] === p[0] && c[1] === p[1])) onBoundary++;
      }
    }
    // The sample is not degenerate: both answers, and corners, were met.
    expect(inside).toBeGreaterThan(1000);
    expect(inside).toBeLessThan(9000);
    expect(onBoundary).toBeGreaterThan(50);
  });

  it('refuses exactly the outlines the edge config schema refuses', async () => {
    const editor = await load();
    const rng = new Rng(4);
    const random = () => rng.next();
    const grid = () => Math.round(random() * 4) / 4;
    let refused = 0;
    for (let n = 0; n < 3000; n++) {
      const points: Pt[] = Array.from({ length: 2 + (n % 5) }, () => [grid(), grid()]);
      const schemaRefuses = !PolygonSchema.safeParse(points).success;
      expect(editor.polygonProblem(points) !== undefined, JSON.stringify(points)).toBe(schemaRefuses);
      if (schemaRefuses) refused++;
    }
    expect(refused).toBeGreaterThan(300);
    expect(refused).toBeLessThan(2900);
  });
});
