import type { LonLat } from '../../foundation/geometry/lon-lat.ts';

/** A closed ring, as GeoJSON writes it, around the box from (x1, y1) to (x2, y2), counter-clockwise. */
export const closedBox = (x1: number, y1: number, x2: number, y2: number): LonLat[] => [
  [x1, y1],
  [x2, y1],
  [x2, y2],
  [x1, y2],
  [x1, y1],
];
