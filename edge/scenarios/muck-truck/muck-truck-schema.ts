import { z } from 'zod';
import { Fraction, Id, Label, Labels } from '../../schema/config-fields.ts';
import { incidentTiming, ScenarioName, ZoneRef } from '../scenario-fields.ts';
import { MuckPlatesSchema } from './muck-plates-schema.ts';

/** Trucks in the zone whose load is uncovered, confirmed by a second-stage classifier. */
export const MuckTruckSchema = z.strictObject({
  type: z.literal('muck_truck'),
  name: ScenarioName,
  zone: ZoneRef,
  vehicleLabels: Labels.default(() => ['truck']),
  /** Frames a vehicle must be tracked before it is classified. */
  minTrackFrames: z.number().int().min(1).default(5),
  /** Smallest box (fraction of the frame area) worth classifying. */
  minBoxArea: Fraction.default(0.01),
  /** Alias (under `models`) of the covered/uncovered classifier. */
  classifier: Id,
  /** Classifications in a row saying "uncovered" before the event is raised. */
  confirmFrames: z.number().int().min(1).default(3),
  /** Classifier score from which a load counts as uncovered. */
  uncoveredScore: Fraction.default(0.5),
  /** The classifier's label for an uncovered load. */
  uncoveredLabel: Label.default('uncovered'),
  /**
   * The part of the vehicle's box that holds the load, as fractions [x1, y1, x2, y2] of the box;
   * the default, its upper half, is the load bed seen from an elevated street camera.
   */
  cargoRegion: z
    .tuple([Fraction, Fraction, Fraction, Fraction])
    .default([0, 0, 1, 0.5])
    .refine(([x1, y1, x2, y2]) => x2 > x1 && y2 > y1, { message: 'need x1 < x2 and y1 < y2' }),
  /** Reading the trucks' plates with the OCR models; absent: plates are not read. */
  plates: MuckPlatesSchema.optional(),
  ...incidentTiming(30),
});
