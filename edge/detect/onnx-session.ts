import os from 'node:os';
import * as ort from 'onnxruntime-node';
import { EdgeError, type ErrorCode } from '../errors.ts';
import type { LoadedManifest } from './model-manifest.ts';

/**
 * One onnxruntime CPU session for a checked manifest's model, set up the same way for every model
 * runner; a model onnxruntime cannot load is a `failure` (MODEL_LOAD_FAILED unless told).
 */
export async function openSession(
  loaded: { readonly modelPath: string },
  threads?: number,
  failure: ErrorCode = 'MODEL_LOAD_FAILED',
): Promise<ort.InferenceSession> {
  try {
    return await ort.InferenceSession.create(loaded.modelPath, {
      intraOpNumThreads: threads ?? os.availableParallelism(),
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      executionMode: 'sequential',
      logSeverityLevel: 3,
    });
  } catch (error) {
    throw new EdgeError(failure, `${loaded.modelPath}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/**
 * Checks the model's real input against the shape the manifest implies; a symbolic dimension (a
 * dynamic batch) fits any size. Returns the model's own shape.
 */
export function checkInputShape(
  loaded: LoadedManifest,
  session: ort.InferenceSession,
  expected: readonly number[],
): ReadonlyArray<number | string> {
  const { manifest, manifestPath } = loaded;
  const meta = session.inputMetadata.find((m) => m.name === manifest.input.name);
  if (!meta) {
    throw new EdgeError(
      'MODEL_INPUT_MISMATCH',
      `${manifestPath}: input "${manifest.input.name}" is not an input of ${manifest.file} (it has ${session.inputNames.join(', ')})`,
    );
  }
  const actual = meta.isTensor ? meta.shape : [];
  const fits =
    actual.length === expected.length && actual.every((d, k) => typeof d === 'string' || d === expected[k]);
  if (!fits) {
    throw new EdgeError(
      'MODEL_INPUT_MISMATCH',
      `${manifestPath}: input ${manifest.input.layout} ${manifest.input.width}x${manifest.input.height} means shape [${expected.join(', ')}], but ${manifest.file} takes [${actual.join(', ')}]`,
    );
  }
  return actual;
}

/** Checks that the model has every output a decoder reads. */
export function checkOutputNames(
  loaded: { readonly manifestPath: string; readonly manifest: { readonly file: string } },
  session: ort.InferenceSession,
  names: readonly string[],
  reader = 'decoder',
): void {
  const missing = names.filter((name) => !session.outputNames.includes(name));
  if (missing.length > 0) {
    throw new EdgeError(
      'MODEL_OUTPUT_MISSING',
      `${loaded.manifestPath}: ${reader} reads ${missing.join(', ')}, which ${loaded.manifest.file} does not output (it has ${session.outputNames.join(', ')})`,
    );
  }
}
