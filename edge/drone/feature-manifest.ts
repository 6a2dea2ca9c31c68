import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { DroneError } from './drone-errors.ts';

/**
 * Manifest of a feature-extractor model (task `features`), kept here until models/manifest-schema.ts
 * grows the task: the input normalisation as for detectors, a size multiple instead of a fixed
 * size (the height and width are symbolic), and the feature-map outputs with their strides.
 */
export const FeatureManifestSchema = z.object({
  name: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/),
  version: z.string().min(1),
  task: z.literal('features'),
  file: z.string().min(1),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  input: z.object({
    name: z.string().min(1),
    layout: z.literal('NCHW'),
    pixelFormat: z.enum(['RGB', 'BGR']),
    mean: z.tuple([z.number(), z.number(), z.number()]),
    std: z.tuple([z.number().positive(), z.number().positive(), z.number().positive()]),
    /** Height and width must be multiples of this; images are padded up to one. */
    sizeMultiple: z.number().int().positive(),
  }),
  outputs: z
    .array(
      z.object({
        name: z.string().min(1),
        stride: z.number().int().positive(),
        channels: z.number().int().positive(),
      }),
    )
    .min(1),
  licence: z.object({ spdx: z.string().min(1), text: z.string().optional() }),
  provenance: z.object({
    source: z.string().min(1),
    upstream: z.string().min(1),
    conversion: z.string().min(1),
    notes: z.string().optional(),
  }),
});

export type FeatureManifest = z.infer<typeof FeatureManifestSchema>;

export const DEFAULT_FEATURE_MODEL = 'nanodet-g-backbone';
const MODELS_DIR = fileURLToPath(new URL('../../models/', import.meta.url));

export interface LoadedFeatureManifest {
  manifest: FeatureManifest;
  manifestPath: string;
  modelPath: string;
}

/** A model folder name under models/ or a path to a manifest .json; the file's sha256 is checked. */
export async function loadFeatureManifest(nameOrPath: string): Promise<LoadedFeatureManifest> {
  const manifestPath = nameOrPath.endsWith('.json')
    ? path.resolve(nameOrPath)
    : path.join(MODELS_DIR, nameOrPath, 'manifest.json');
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(manifestPath, 'utf8'));
  } catch (error) {
    throw new DroneError('FEATURE_MODEL_INVALID', `${manifestPath}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const parsed = FeatureManifestSchema.safeParse(raw);
  if (!parsed.success) {
    throw new DroneError('FEATURE_MODEL_INVALID', `${manifestPath}:\n${z.prettifyError(parsed.error)}`);
  }
  const modelPath = path.resolve(path.dirname(manifestPath), parsed.data.file);
  if (!existsSync(modelPath)) {
    throw new DroneError('FEATURE_MODEL_INVALID', `${manifestPath}: model file ${modelPath} does not exist`);
  }
  const actual = createHash('sha256')
    .update(await readFile(modelPath))
    .digest('hex');
  if (actual !== parsed.data.sha256) {
    throw new DroneError(
      'FEATURE_MODEL_INVALID',
      `${modelPath}: sha256 ${actual} differs from the manifest's ${parsed.data.sha256}`,
    );
  }
  return { manifest: parsed.data, manifestPath, modelPath };
}
