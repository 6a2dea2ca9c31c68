import { z } from 'zod';

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'a lower-case hex sha256');
const modelName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]*$/, 'use lower-case letters, digits, ".", "_" and "-"');
const modelVersion = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._+-]*$/, 'letters, digits, ".", "_", "+" and "-", no "/" or "@"');

/** How an assigned model runs on a camera: `shadow` runs it and logs, changing nothing; `active` is used. */
export const ModelModeSchema = z.enum(['shadow', 'active']);

/**
 * One model version an edge should hold: both hashes pin it, so an edge verifies what it
 * downloads against what it was told, not against what the server sends.
 */
export const WantedModelSchema = z.object({
  name: modelName,
  version: modelVersion,
  /** sha256 of the manifest's bytes as uploaded. */
  manifestSha256: sha256Hex,
  /** sha256 of the model file (the manifest's own `sha256`). */
  fileSha256: sha256Hex,
});
export type WantedModel = z.infer<typeof WantedModelSchema>;

/** One camera's assignment of a model version. */
export const EdgeModelAssignmentSchema = WantedModelSchema.extend({
  cameraId: z.string().min(1),
  mode: ModelModeSchema,
});

/** What the cloud serves an edge (edge token): the model versions assigned to its cameras. */
export const EdgeModelsSchema = z.object({
  edgeId: z.string().min(1),
  assignments: z.array(EdgeModelAssignmentSchema),
});
export type EdgeModels = z.infer<typeof EdgeModelsSchema>;

export { modelName as ModelNameSchema, modelVersion as ModelVersionSchema };

/** The manifest reference of a model fetched from the cloud, in an edge config: `cloud:NAME@VERSION`. */
export const CLOUD_MODEL_PREFIX = 'cloud:';

export type CloudModelRef = { name: string; version: string } | { problem: string };

/**
 * `cloud:NAME@VERSION` as its name and version, or the problem with a malformed one; undefined
 * for any other reference (a model folder's name or a manifest path).
 */
export function parseCloudModelRef(ref: string): CloudModelRef | undefined {
  if (!ref.startsWith(CLOUD_MODEL_PREFIX)) return undefined;
  const [name = '', version = '', ...rest] = ref.slice(CLOUD_MODEL_PREFIX.length).split('@');
  if (rest.length > 0) return { problem: `"${ref}" has more than one "@"; write cloud:NAME@VERSION` };
  const badName = modelName.safeParse(name).error?.issues[0]?.message;
  if (badName) return { problem: `"${ref}": model name "${name}": ${badName}` };
  const badVersion = modelVersion.safeParse(version).error?.issues[0]?.message;
  if (badVersion)
    return { problem: `"${ref}": version "${version}": ${badVersion}; write cloud:NAME@VERSION` };
  return { name, version };
}
