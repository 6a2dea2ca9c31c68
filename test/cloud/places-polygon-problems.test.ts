import { describe, expect, it } from 'vitest';
import { polygonProblems } from '../../cloud/places/polygon-problems.ts';
import type { PolygonRings } from '../../foundation/geometry/lon-lat.ts';
import { closedBox } from '../geometry/rings.ts';
import { fixturePlaces } from './support/fixtures.ts';

const problems = (rings: PolygonRings) => polygonProblems([rings], ['/coordinates']);

describe('polygon validity', () => {
  it('accepts every place of the fixture district', async () => {
    for (const place of (await fixturePlaces()).list()) {
      expect(
        polygonProblems(
          place.polygons,
          place.polygons.map((_, i) => `/${place.id}/${i}`),
        ),
      ).toEqual([]);
    }
  });

  it('accepts a square with a hole in it', () => {
    expect(problems([closedBox(0, 0, 10, 10), closedBox(4, 4, 6, 6)])).toEqual([]);
  });

  it('refuses a ring of points on one line', () => {
    expect(
      problems([
        [
          [0, 0],
          [1, 0],
          [2, 0],
          [0, 0],
        ],
      ]),
    ).toEqual([{ path: '/coordinates/0', message: 'the ring has no area' }]);
  });

  it('refuses a figure eight whose loops meet at one point, naming the edges', () => {
    expect(
      problems([
        [
          [0, 0],
          [2, 2],
          [4, 0],
          [4, 4],
          [2, 2],
          [0, 4],
          [0, 0],
        ],
      ]),
    ).toEqual([{ path: '/coordinates/0', message: 'the ring crosses itself: edges 0 and 3' }]);
  });

  it('refuses a hole that reaches out of its polygon', () => {
    expect(problems([closedBox(0, 0, 10, 10), closedBox(4, 4, 12, 6)])).toEqual([
      { path: '/coordinates/1', message: 'a hole must lie inside the outer ring' },
    ]);
  });
});
