import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import {
  type AnyModelManifest,
  AnyModelManifestSchema,
  type FeaturesManifest,
  type ModelManifest,
} from '../../foundation/models/manifest-schema.ts';
import { EdgeError } from '../errors.ts';

export { DEFAULT_MODEL } from '../../foundation/edge-config/models-schema.ts';

export const MODELS_DIR = fileURLToPath(new URL('../../models/', import.meta.url));
/** The drone change detector's backbone. */
export const DEFAULT_FEATURES_MODEL = 'nanodet-g-backbone';

export interface Loaded<M extends AnyModelManifest> {
  manifest: M;
  manifestPath: string;
  modelPath: string;
}
/** A model with a decoder, for Detector or Classifier. */
export type LoadedManifest = Loaded<ModelManifest>;
/** A feature extractor, for the drone change detector. */
export type LoadedFeaturesManifest = Loaded<FeaturesManifest>;

export function listModelNames(modelsDir = MODELS_DIR): string[] {
  return readdirSync(modelsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(path.join(modelsDir, entry.name, 'manifest.json')))
    .map((entry) => entry.name)
    .sort();
}

/** A model is named by its folder under models/ or given as a path to its manifest. */
export function resolveManifestPath(nameOrPath: string, modelsDir = MODELS_DIR): string {
  if (nameOrPath.endsWith('.json')) return path.resolve(nameOrPath);
  const candidate = path.join(modelsDir, nameOrPath, 'manifest.json');
  if (existsSync(candidate)) return candidate;
  throw new EdgeError(
    'MODEL_NOT_FOUND',
    `no model named "${nameOrPath}" (looked for ${candidate}); available: ${listModelNames(modelsDir).join(', ') || 'none'}`,
  );
}

export async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Any manifest, whatever its task: schema, model file and sha256 checked. */
export async function loadAnyManifest(
  nameOrPath: string,
  modelsDir = MODELS_DIR,
): Promise<Loaded<AnyModelManifest>> {
  const manifestPath = resolveManifestPath(nameOrPath, modelsDir);
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(manifestPath, 'utf8'));
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (error as Error).message;
    throw new EdgeError('MODEL_MANIFEST_INVALID', `${manifestPath}: ${reason}`, { cause: error });
  }
  const parsed = AnyModelManifestSchema.safeParse(raw);
  if (!parsed.success) {
    throw new EdgeError('MODEL_MANIFEST_INVALID', `${manifestPath}:\n${z.prettifyError(parsed.error)}`);
  }
  const manifest = parsed.data;
  const modelPath = path.resolve(path.dirname(manifestPath), manifest.file);
  if (!existsSync(modelPath)) {
    throw new EdgeError('MODEL_FILE_MISSING', `${manifestPath}: model file ${modelPath} does not exist`);
  }
  const actual = await sha256OfFile(modelPath);
  if (actual !== manifest.sha256) {
    throw new EdgeError(
      'MODEL_HASH_MISMATCH',
      `${modelPath}: sha256 is ${actual} but ${manifestPath} says ${manifest.sha256}`,
    );
  }
  return { manifest, manifestPath, modelPath };
}

/** A model with a decoder (detect or classify); a feature extractor is MODEL_TASK_MISMATCH. */
export async function loadModelManifest(nameOrPath: string, modelsDir = MODELS_DIR): Promise<LoadedManifest> {
  const loaded = await loadAnyManifest(nameOrPath, modelsDir);
  const { manifest } = loaded;
  if (manifest.task !== 'detect' && manifest.task !== 'classify') {
    const what =
      manifest.task === 'features' ? 'a feature extractor, for drone flights' : 'an OCR model, for plates';
    throw new EdgeError(
      'MODEL_TASK_MISMATCH',
      `${loaded.manifestPath}: task is "${manifest.task}" (${what}), but a Detector or Classifier runs only "detect" or "classify" models`,
    );
  }
  return { ...loaded, manifest };
}

/** A feature extractor (task `features`); any other task is MODEL_TASK_MISMATCH. */
export async function loadFeaturesManifest(
  nameOrPath: string,
  modelsDir = MODELS_DIR,
): Promise<LoadedFeaturesManifest> {
  const loaded = await loadAnyManifest(nameOrPath, modelsDir);
  const { manifest } = loaded;
  if (manifest.task !== 'features') {
    throw new EdgeError(
      'MODEL_TASK_MISMATCH',
      `${loaded.manifestPath}: task is "${manifest.task}", but the drone change detector needs a "features" model (a backbone's feature maps)`,
    );
  }
  return { ...loaded, manifest };
}
