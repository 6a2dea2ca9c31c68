import { z } from 'zod';
import { CONTRACT_LIMITS } from '../../foundation/contract/limits.ts';

/**
 * Training labels of one snapshot: a verdict on each AI box of the event it was taken on, and the
 * boxes a reviewer drew for objects the AI missed. Boxes are normalised [x1, y1, x2, y2] (0..1),
 * as in the event contract, so they hold at any image size.
 */

/** Drawn boxes one snapshot may hold: far more objects than any street scene has. */
export const MAX_DRAWN_BOXES = 200;

/** A class name, the way datasets name categories: trimmed, lower case, letters (any script) and digits first. */
export const LabelNameSchema = z
  .string()
  .trim()
  .toLowerCase()
  .min(1)
  .max(64)
  .regex(
    /^[\p{L}\p{N}][\p{L}\p{N} _.-]*$/u,
    'letters, digits, space, "_", "." and "-", starting with a letter or digit',
  );

const unit = z.number().min(0).max(1);

/** A normalised box with some area: a click without a drag is no box. */
export const LabelBoxSchema = z
  .tuple([unit, unit, unit, unit])
  .refine(
    ([x1, y1, x2, y2]) => x2 - x1 >= 0.002 && y2 - y1 >= 0.002,
    'x2 > x1 and y2 > y1, at least 0.2 % of the image each way',
  );

const objectIndex = z
  .number()
  .int()
  .min(0)
  .max(CONTRACT_LIMITS.objects - 1)
  .describe("the AI box's position in the event's objects");

export const ObjectLabelSchema = z.discriminatedUnion('verdict', [
  z.strictObject({ index: objectIndex, verdict: z.literal('right') }),
  z.strictObject({
    index: objectIndex,
    verdict: z.literal('wrong_label'),
    /** The right label. */
    label: LabelNameSchema,
  }),
  z.strictObject({ index: objectIndex, verdict: z.literal('not_object') }),
]);
export type ObjectLabel = z.infer<typeof ObjectLabelSchema>;

export const DrawnBoxSchema = z.strictObject({ box: LabelBoxSchema, label: LabelNameSchema });
export type DrawnBox = z.infer<typeof DrawnBoxSchema>;

/** What a reviewer saves: every box judged so far (AI boxes left out are not judged). */
export const LabelInputSchema = z.strictObject({
  objects: z.array(ObjectLabelSchema).max(CONTRACT_LIMITS.objects),
  drawn: z.array(DrawnBoxSchema).max(MAX_DRAWN_BOXES),
  /** The revision the reviewer started from (0: none yet); another save since is refused (409). */
  baseRevision: z.number().int().min(0),
});
export type LabelInput = z.infer<typeof LabelInputSchema>;

export const LABEL_SOURCES = ['operator', 'import'] as const;

/** One revision of a snapshot's labels: who, when, from where. */
export const LabelRevisionSchema = z.object({
  revision: z.number().int().min(1),
  labelledBy: z.string(),
  role: z.string(),
  source: z.enum(LABEL_SOURCES),
  /** For an import: the file and the tool it came from. */
  note: z.string().nullable(),
  labelledAt: z.string(),
});
export type LabelRevision = z.infer<typeof LabelRevisionSchema>;

export const LabelSetSchema = LabelRevisionSchema.extend({
  objects: z.array(ObjectLabelSchema),
  drawn: z.array(DrawnBoxSchema),
});
export type LabelSet = z.infer<typeof LabelSetSchema>;

/** An AI box of the snapshot's event, with its position in the event's objects. */
export const AiObjectSchema = z.object({
  index: z.number().int(),
  trackId: z.number().int(),
  label: z.string(),
  score: z.number(),
  box: z.tuple([z.number(), z.number(), z.number(), z.number()]),
});

/** The ticket's review decision, as the ticket loop recorded it (its latest confirm, reject or merge). */
export const ReviewSchema = z.object({
  action: z.enum(['confirm', 'reject', 'merge']),
  /** A reject's reason, or the note given. */
  reason: z.string().nullable(),
  actor: z.string(),
  at: z.string(),
});
export type Review = z.infer<typeof ReviewSchema>;

/** A ticket's snapshot with its AI boxes, its review and its labels (current and past). */
export const SnapshotLabelsSchema = z.object({
  ticketId: z.number().int(),
  snapshot: z.object({
    sha256: z.string(),
    eventId: z.string(),
    cameraId: z.string(),
    scenario: z.string(),
    observedAt: z.string(),
    /** GET it with a user token. */
    url: z.string(),
  }),
  review: ReviewSchema.nullable(),
  aiObjects: z.array(AiObjectSchema),
  /** The latest revision; null before anyone labelled. */
  labels: LabelSetSchema.nullable(),
  /** Every revision, newest first: the audit trail. */
  history: z.array(LabelRevisionSchema),
  /** Labels to choose from: those of this camera's recent detections and those used in labels. */
  labelChoices: z.array(z.string()),
});
export type SnapshotLabels = z.infer<typeof SnapshotLabelsSchema>;
