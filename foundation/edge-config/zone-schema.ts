import { z } from 'zod';
import { polygonArea, segmentsIntersect } from '../geometry/image-plane.ts';
import { Fraction, Id, Labels } from './config-fields.ts';

/**
 * Coordinates of zones, masks and lines are normalised: x and y are fractions (0..1) of the
 * frame's width and height, origin top-left, y down, so they survive a change of resolution.
 */
const Coordinate = z
  .number()
  .min(0, 'coordinates are normalised: at least 0 (left/top edge of the frame)')
  .max(1, 'coordinates are normalised: at most 1 (right/bottom edge of the frame)');

/** A point [x, y], normalised. */
export const PointSchema = z.tuple([Coordinate, Coordinate]);

/**
 * A polygon: at least 3 normalised points in order around the outline (either winding). Refused:
 * a repeated consecutive point, no area (all points on one line), edges that cross each other.
 */
export const PolygonSchema = z
  .array(PointSchema)
  .min(3, 'need at least 3 points')
  .superRefine((points, ctx) => {
    const n = points.length;
    if (n < 3) return;
    for (let i = 0; i < n; i++) {
      const a = points[i] as [number, number];
      const b = points[(i + 1) % n] as [number, number];
      if (a[0] === b[0] && a[1] === b[1]) {
        ctx.addIssue({ code: 'custom', path: [(i + 1) % n], message: `repeats point ${i}` });
        return;
      }
    }
    for (let i = 0; i < n; i++) {
      // Adjacent edges share a corner, so only non-adjacent pairs are compared.
      for (let j = i + 2; j < n; j++) {
        if (i === 0 && j === n - 1) continue;
        const a1 = points[i] as [number, number];
        const a2 = points[(i + 1) % n] as [number, number];
        const b1 = points[j] as [number, number];
        const b2 = points[(j + 1) % n] as [number, number];
        if (segmentsIntersect(a1, a2, b1, b2)) {
          ctx.addIssue({
            code: 'custom',
            message:
              `the edge from point ${i} to ${(i + 1) % n} crosses the edge from point ${j} to ` +
              `${(j + 1) % n}; list the points in order around the outline`,
          });
          return;
        }
      }
    }
    if (polygonArea(points) === 0) {
      ctx.addIssue({ code: 'custom', message: 'the points are all on one line: the polygon has no area' });
    }
  });

export const ZoneFiltersSchema = z
  .strictObject({
    /** Only these labels count in the zone; absent: every label. */
    labels: Labels.optional(),
    /** Box area bounds as fractions (0..1) of the frame's area, bounds included. */
    minArea: Fraction.optional(),
    maxArea: Fraction.optional(),
    /** Detections scoring below this do not count in the zone. */
    minScore: Fraction.optional(),
  })
  .refine((f) => f.minArea === undefined || f.maxArea === undefined || f.minArea <= f.maxArea, {
    path: ['maxArea'],
    message: 'must be at least minArea',
  });

/** A named area of a camera's view. An object is in it by its bottom-centre point (its feet). */
export const ZoneSchema = z.strictObject({
  /** Unique per camera; scenarios refer to the zone by it, events carry it. */
  name: Id,
  points: PolygonSchema,
  filters: ZoneFiltersSchema.prefault({}),
});

export type ZoneConfig = z.infer<typeof ZoneSchema>;
export type ZoneFilters = z.infer<typeof ZoneFiltersSchema>;
