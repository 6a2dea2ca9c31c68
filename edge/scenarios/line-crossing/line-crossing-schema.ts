import { z } from 'zod';
import { Id, Labels } from '../../schema/config-fields.ts';
import { PointSchema } from '../../zones/zone-schema.ts';
import { incidentTiming } from '../scenario-fields.ts';

/**
 * An object crossing the line segment from line[0] to line[1] (by its bottom-centre point).
 * Side A is the left of the line looking from line[0] towards line[1] on screen, side B its right
 * (sideOfLine -1 and 1 in foundation/geometry/image-plane.ts); `a_to_b` counts crossings from A to B only.
 */
export const LineCrossingSchema = z
  .strictObject({
    type: z.literal('line_crossing'),
    /** Unique per camera among line crossings; events carry it. */
    name: Id,
    line: z.tuple([PointSchema, PointSchema]),
    labels: Labels,
    direction: z.enum(['any', 'a_to_b', 'b_to_a']).default('any'),
    /**
     * Crossings no more than clearSeconds apart make one incident (a burst of traffic), its updates
     * carrying the running counts; a quiet line ends it.
     */
    ...incidentTiming(10),
  })
  .refine((s) => s.line[0][0] !== s.line[1][0] || s.line[0][1] !== s.line[1][1], {
    path: ['line'],
    message: 'the two ends of the line are the same point',
  });
