import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { TextDetectManifest, TextRecognizeManifest } from '../../foundation/models/manifest-schema.ts';
import { type Loaded, loadAnyManifest, sha256OfFile } from '../detect/model-manifest.ts';
import { EdgeError } from '../errors.ts';

type OcrTask = 'text-detect' | 'text-recognize';
type OcrManifest<T extends OcrTask> = T extends 'text-detect' ? TextDetectManifest : TextRecognizeManifest;

/** An OCR model's manifest (schema, file and sha256 checked); another task is MODEL_TASK_MISMATCH. */
export async function loadOcrManifest<T extends OcrTask>(
  nameOrPath: string,
  task: T,
  modelsDir?: string,
): Promise<Loaded<OcrManifest<T>>> {
  const loaded = await loadAnyManifest(nameOrPath, modelsDir);
  if (loaded.manifest.task !== task) {
    throw new EdgeError(
      'MODEL_TASK_MISMATCH',
      `${loaded.manifestPath}: task is "${loaded.manifest.task}", but plates need a "${task}" model here`,
    );
  }
  return loaded as Loaded<OcrManifest<T>>;
}

/**
 * The recogniser's classes in output order: the blank, the dictionary's characters, then a space
 * where the manifest says so. The dictionary file's sha256 is checked like the model's.
 */
export async function loadAlphabet(loaded: Loaded<TextRecognizeManifest>): Promise<string[]> {
  const { dictionary } = loaded.manifest;
  const file = path.resolve(path.dirname(loaded.manifestPath), dictionary.file);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new EdgeError('MODEL_FILE_MISSING', `${loaded.manifestPath}: dictionary ${file} cannot be read`, {
      cause: error,
    });
  }
  const actual = await sha256OfFile(file);
  if (actual !== dictionary.sha256) {
    throw new EdgeError(
      'MODEL_HASH_MISMATCH',
      `${file}: sha256 is ${actual} but ${loaded.manifestPath} says ${dictionary.sha256}`,
    );
  }
  const characters = text.split(/\r?\n/).filter((line, k, all) => line !== '' || k < all.length - 1);
  const alphabet = [...characters];
  alphabet.splice(dictionary.blank, 0, '');
  if (dictionary.appendSpace) alphabet.push(' ');
  return alphabet;
}
