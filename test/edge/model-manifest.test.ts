import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Detector } from '../../edge/detect/detector.ts';
import { loadModelManifest, MODELS_DIR } from '../../edge/detect/model-manifest.ts';
import { EdgeError } from '../../edge/errors.ts';
import { useTempDir } from '../support/temp-dir.ts';

const SHIPPED = path.join(MODELS_DIR, 'nanodet-g-416', 'manifest.json');
const MODEL_FILE = path.join(MODELS_DIR, 'nanodet-g-416', 'nanodet-g-416.onnx');

describe('model manifests', () => {
  const tempDir = useTempDir('manifest-');
  let shipped: Record<string, unknown>;

  beforeAll(async () => {
    shipped = JSON.parse(await readFile(SHIPPED, 'utf8'));
  });

  async function writeManifest(name: string, changes: Record<string, unknown>): Promise<string> {
    const file = path.join(tempDir(), `${name}.json`);
    await writeFile(file, JSON.stringify({ ...shipped, file: MODEL_FILE, ...changes }));
    return file;
  }

  async function expectRefusal(load: Promise<unknown>, code: string, ...fragments: string[]) {
    const error = await load.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(EdgeError);
    expect((error as EdgeError).code).toBe(code);
    for (const fragment of fragments) expect((error as Error).message).toContain(fragment);
  }

  it('loads the shipped NanoDet manifest and its hash matches the file', async () => {
    const { manifest, modelPath } = await loadModelManifest('nanodet-g-416');
    expect(manifest.name).toBe('nanodet-g-416');
    expect(manifest.labels).toHaveLength(80);
    expect(modelPath).toBe(MODEL_FILE);
  });

  it('refuses an unknown model name and lists the ones there are', async () => {
    await expectRefusal(
      loadModelManifest('no-such-model'),
      'MODEL_NOT_FOUND',
      'no-such-model',
      'nanodet-g-416',
    );
  });

  it('refuses a sha256 mismatch, naming the file and both hashes', async () => {
    const file = await writeManifest('bad-hash', { sha256: 'a'.repeat(64) });
    await expectRefusal(loadModelManifest(file), 'MODEL_HASH_MISMATCH', MODEL_FILE, 'a'.repeat(64), file);
  });

  it('refuses a missing model file', async () => {
    const file = await writeManifest('missing', { file: 'not-there.onnx' });
    await expectRefusal(loadModelManifest(file), 'MODEL_FILE_MISSING', 'not-there.onnx');
  });

  it('refuses a manifest that breaks the schema, naming the field', async () => {
    const file = await writeManifest('bad-schema', {
      input: { ...(shipped.input as object), layout: 'CHWN' },
    });
    await expectRefusal(loadModelManifest(file), 'MODEL_MANIFEST_INVALID', 'input.layout', file);
  });

  it('refuses a manifest whose input shape is not the model’s real input', async () => {
    const file = await writeManifest('bad-input', { input: { ...(shipped.input as object), width: 320 } });
    await expectRefusal(Detector.load(file), 'MODEL_INPUT_MISMATCH', '[1, 3, 416, 320]', '[1, 3, 416, 416]');
  });

  it('refuses a decoder that reads outputs the model lacks', async () => {
    const file = await writeManifest('bad-outputs', { decoder: { type: 'yolov8', output: 'output0' } });
    await expectRefusal(Detector.load(file), 'MODEL_OUTPUT_MISSING', 'output0', 'cls_stride8');
  });

  it('rebuilding from the npm package reproduces the committed model byte for byte', async () => {
    const { buildNanodetOnnx } = await import('../../models/tools/build-nanodet.ts');
    const { createHash } = await import('node:crypto');
    const bytes = await buildNanodetOnnx();
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(shipped.sha256);
  });
});
