import { copyFile, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Classifier } from '../../edge/classify/classifier.ts';
import { Detector } from '../../edge/detect/detector.ts';
import { loadAnyManifest, loadFeaturesManifest } from '../../edge/detect/model-manifest.ts';
import { AnyModelManifestSchema } from '../../foundation/models/manifest-schema.ts';
import { useTempDir } from '../support/temp-dir.ts';

const BACKBONE = 'models/nanodet-g-backbone/manifest.json';

describe('features manifests (task "features")', () => {
  const tempDir = useTempDir('features-manifest-');
  let backbone: Record<string, unknown>;
  beforeAll(async () => {
    backbone = JSON.parse(await readFile(BACKBONE, 'utf8'));
  });

  it('reads the backbone through the shared loader, its file hash checked', async () => {
    const loaded = await loadFeaturesManifest('nanodet-g-backbone');
    expect(loaded.manifest.task).toBe('features');
    expect(loaded.manifest.input.sizeMultiple).toBe(32);
    expect(loaded.manifest.outputs.map((o) => o.stride)).toEqual([8, 16]);
    expect(loaded.modelPath).toBe(path.resolve('models/nanodet-g-backbone/nanodet-g-backbone.onnx'));
    expect((await loadAnyManifest('nanodet-g-416')).manifest.task).toBe('detect');
  });

  it('names what a features manifest lacks or must not have', () => {
    const parsed = AnyModelManifestSchema.safeParse({
      ...backbone,
      input: { ...(backbone.input as object), sizeMultiple: 0 },
      outputs: [],
    });
    expect(parsed.success).toBe(false);
    const message = parsed.success ? '' : z.prettifyError(parsed.error);
    expect(message).toContain('input.sizeMultiple');
    expect(message).toContain('outputs');
  });

  it('is refused by the detector and the classifier, and a detector by the drone loader (MODEL_TASK_MISMATCH)', async () => {
    const asDetector = await Detector.load('nanodet-g-backbone').catch((e: unknown) => e);
    expect(asDetector).toMatchObject({ code: 'MODEL_TASK_MISMATCH' });
    expect((asDetector as Error).message).toContain('task is "features"');
    const asClassifier = await Classifier.load('nanodet-g-backbone').catch((e: unknown) => e);
    expect(asClassifier).toMatchObject({ code: 'MODEL_TASK_MISMATCH' });
    await expect(loadFeaturesManifest('nanodet-g-416')).rejects.toMatchObject({
      code: 'MODEL_TASK_MISMATCH',
      message: expect.stringContaining('task is "detect"'),
    });
  });

  it('refuses a manifest whose file is missing (MODEL_FILE_MISSING), as for every task', async () => {
    const file = path.join(tempDir(), 'manifest.json');
    await writeFile(file, JSON.stringify({ ...backbone, file: 'not-there.onnx' }));
    await expect(loadFeaturesManifest(file)).rejects.toMatchObject({ code: 'MODEL_FILE_MISSING' });
    await copyFile(
      'models/nanodet-g-backbone/nanodet-g-backbone.onnx',
      path.join(tempDir(), 'not-there.onnx'),
    );
    expect((await loadFeaturesManifest(file)).manifest.name).toBe('nanodet-g-backbone');
  });
});
