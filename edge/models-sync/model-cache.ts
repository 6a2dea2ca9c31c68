import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseCloudModelRef } from '../../foundation/models/model-distribution.ts';
import { EdgeError } from '../errors.ts';

const SHA256_DIR = /^[0-9a-f]{64}$/;
const MANIFEST = 'manifest.json';

/** The model cache of an edge with data folder `dataDir`: `<dataDir>/models/<manifest sha256>/`. */
export function modelCacheDir(dataDir: string): string {
  return path.join(dataDir, 'models');
}

/** The manifest sha256s held complete in the cache (a folder appears only once whole: see install). */
export async function cachedManifests(dataDir: string): Promise<Set<string>> {
  try {
    return new Set((await readdir(modelCacheDir(dataDir))).filter((name) => SHA256_DIR.test(name)));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Set();
    throw error;
  }
}

/**
 * Puts a verified manifest and its model file into the cache: written into a temporary folder
 * beside, then renamed into place, so a download cut short never leaves a folder that looks whole.
 */
export async function installModel(
  dataDir: string,
  manifestSha256: string,
  manifestBytes: Buffer,
  fileName: string,
  fileBytes: Buffer,
): Promise<string> {
  const root = modelCacheDir(dataDir);
  const target = path.join(root, manifestSha256);
  const temp = path.join(root, `.partial-${randomUUID()}`);
  await mkdir(temp, { recursive: true });
  try {
    await writeFile(path.join(temp, MANIFEST), manifestBytes);
    await writeFile(path.join(temp, path.basename(fileName)), fileBytes);
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    // Another fetch installed the same content-addressed folder first: that one is as good.
    if ((await cachedManifests(dataDir)).has(manifestSha256)) return path.join(target, MANIFEST);
    throw error;
  }
  return path.join(target, MANIFEST);
}

/** The cached manifest of `name@version`, or undefined (the newest folder wins should two hold it). */
async function findCached(dataDir: string, name: string, version: string): Promise<string | undefined> {
  for (const sha of await cachedManifests(dataDir)) {
    const file = path.join(modelCacheDir(dataDir), sha, MANIFEST);
    try {
      const manifest = JSON.parse(await readFile(file, 'utf8')) as { name?: unknown; version?: unknown };
      if (manifest.name === name && manifest.version === version) return file;
    } catch {
      // A folder whose manifest cannot be read is not this model; loading it would say why.
    }
  }
  return undefined;
}

/**
 * The manifest path a model reference in an edge config stands for: `cloud:NAME@VERSION` is looked
 * up in the model cache under `dataDir` (MODEL_NOT_CACHED when absent or malformed); any other
 * reference (a folder name under models/ or a manifest path) is answered unchanged. The manifest
 * and file hashes are checked when the model is loaded (loadModelManifest).
 */
export async function resolveModelRef(ref: string, dataDir: string): Promise<string> {
  const cloud = parseCloudModelRef(ref);
  if (cloud === undefined) return ref;
  if ('problem' in cloud) throw new EdgeError('MODEL_NOT_CACHED', cloud.problem);
  const found = await findCached(dataDir, cloud.name, cloud.version);
  if (found) return found;
  throw new EdgeError(
    'MODEL_NOT_CACHED',
    `${ref} is not in the model cache ${modelCacheDir(dataDir)}; it is fetched from the cloud once assigned to a camera of this edge`,
  );
}
