import { z } from 'zod';
import { ModelModeSchema } from '../../foundation/models/model-distribution.ts';
import { PlaceIdSchema } from '../places/places-schema.ts';

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/);

export const StoredFileSchema = z.object({ sha256: Sha256, size: z.number().int() });

export const CameraRefSchema = z.object({ edgeId: PlaceIdSchema, cameraId: PlaceIdSchema });

export const AssignmentSchema = CameraRefSchema.extend({
  name: z.string(),
  version: z.string(),
  mode: ModelModeSchema,
  assignedBy: z.string(),
  role: z.string(),
  assignedAt: z.string(),
});

export const AssignmentChangeSchema = CameraRefSchema.extend({
  name: z.string(),
  version: z.string(),
  mode: ModelModeSchema,
  action: z.enum(['assign', 'promote', 'rollback']),
  /** The active version this change replaced, if any (what a rollback returns to). */
  replacedVersion: z.string().nullable(),
  by: z.string(),
  role: z.string(),
  at: z.string(),
});

export const ModelVersionSchema = z.object({
  name: z.string(),
  version: z.string(),
  task: z.string(),
  manifestSha256: Sha256,
  fileSha256: Sha256,
  fileSize: z.number().int(),
  uploadedBy: z.string(),
  role: z.string(),
  uploadedAt: z.string(),
  /** The cameras that run this version now, and how. */
  assignments: z.array(AssignmentSchema),
});
export type ModelVersion = z.infer<typeof ModelVersionSchema>;

export const ModelVersionDetailSchema = ModelVersionSchema.extend({
  /** The manifest as uploaded (parsed). */
  manifest: z.record(z.string(), z.unknown()),
  /** Every assignment change of this model name, oldest first: the audit trail. */
  history: z.array(AssignmentChangeSchema),
});

export const ModelListSchema = z.object({ models: z.array(ModelVersionSchema) });

export const AssignBodySchema = z.object({
  cameras: z.array(CameraRefSchema).min(1),
  mode: ModelModeSchema,
});

export const CamerasBodySchema = z.object({
  /** Absent: every camera this version can be promoted (shadow) or rolled back (active) on. */
  cameras: z.array(CameraRefSchema).min(1).optional(),
});

export const AssignmentResultSchema = z.object({
  name: z.string(),
  version: z.string(),
  /** The changes made now, one per camera. */
  changes: z.array(AssignmentChangeSchema),
  /** Every current assignment of this model name, after the changes. */
  assignments: z.array(AssignmentSchema),
});
export type AssignmentResult = z.infer<typeof AssignmentResultSchema>;

const DetectionScoreSchema = z.object({
  truePositives: z.number().int(),
  falsePositives: z.number().int(),
  falseNegatives: z.number().int(),
  precision: z.number().nullable(),
  recall: z.number().nullable(),
});

/** A shadow version against what the cameras ran, on the snapshots operators labelled (IoU 0.5). */
export const ModelComparisonSchema = z.object({
  name: z.string(),
  version: z.string(),
  snapshots: z.object({ reviewed: z.number().int(), compared: z.number().int() }),
  active: DetectionScoreSchema,
  shadow: DetectionScoreSchema,
  byLabel: z.record(z.string(), z.object({ active: DetectionScoreSchema, shadow: DetectionScoreSchema })),
});
