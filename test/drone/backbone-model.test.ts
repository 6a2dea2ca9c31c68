import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { loadFeaturesManifest } from '../../edge/detect/model-manifest.ts';
import { FeatureExtractor } from '../../edge/drone/feature-extractor.ts';
import { decodeRgb } from '../../edge/drone/raster.ts';
import { BACKBONE_TAPS, buildBackboneOnnx } from '../../models/tools/build-backbone.ts';

const P = onnxProto.onnx;

describe('nanodet-g-backbone, the ONNX feature extractor', () => {
  it('is byte for byte what models/tools/build-backbone.ts builds from the TF.js model', async () => {
    const loaded = await loadFeaturesManifest('nanodet-g-backbone');
    const built = await buildBackboneOnnx();
    expect(createHash('sha256').update(built).digest('hex')).toBe(loaded.manifest.sha256);
  });

  it("gives the detector's own backbone features on a real aerial photo, and takes other sizes", async () => {
    const loaded = await loadFeaturesManifest('nanodet-g-backbone');
    const extractor = await FeatureExtractor.open(loaded, 2);
    const photo = await decodeRgb('fixtures/drone/areas/liwan-aero1/baseline/aero1.jpg');
    // The detector takes 416×416 only: crop the photo to that and expose its inner tensor.
    const crop = new Uint8Array(416 * 416 * 3);
    for (let y = 0; y < 416; y++)
      crop.set(photo.data.subarray(y * 640 * 3, y * 640 * 3 + 416 * 3), y * 416 * 3);
    const [features8] = await extractor.extract({ data: crop, width: 416, height: 416 });
    const detector = P.ModelProto.decode(await readFile('models/nanodet-g-416/nanodet-g-416.onnx'));
    detector.graph?.output?.push(
      P.ValueInfoProto.create({
        name: BACKBONE_TAPS.features_stride8,
        type: { tensorType: { elemType: 1 } },
      }),
    );
    const session = await ort.InferenceSession.create(P.ModelProto.encode(detector).finish());
    const input = new Float32Array(3 * 416 * 416);
    const mean = [103.53, 116.28, 123.675];
    const std = [57.375, 57.12, 58.395];
    for (let c = 0; c < 3; c++) {
      for (let i = 0; i < 416 * 416; i++)
        input[c * 416 * 416 + i] = ((crop[i * 3 + (2 - c)] ?? 0) - (mean[c] ?? 0)) / (std[c] ?? 1);
    }
    const out = await session.run({ input_1: new ort.Tensor('float32', input, [1, 3, 416, 416]) });
    const reference = out[BACKBONE_TAPS.features_stride8]?.data as Float32Array;
    expect(features8?.channels).toBe(128);
    expect([features8?.height, features8?.width]).toEqual([52, 52]);
    let maxDiff = 0;
    let maxAbs = 0;
    reference.forEach((v, i) => {
      maxDiff = Math.max(maxDiff, Math.abs(v - (features8?.data[i] ?? 0)));
      maxAbs = Math.max(maxAbs, Math.abs(v));
    });
    expect(maxAbs).toBeGreaterThan(0.1);
    expect(maxDiff).toBeLessThan(1e-4);
    const whole = await extractor.extract(photo);
    expect(whole.map((f) => [f.channels, f.height, f.width, f.stride])).toEqual([
      [128, 60, 80, 8],
      [256, 30, 40, 16],
    ]);
    await extractor.close();
    await session.release();
  });

  it('refuses a manifest whose hash does not match the file', async () => {
    const manifest = JSON.parse(await readFile('models/nanodet-g-backbone/manifest.json', 'utf8'));
    const { mkdtemp, writeFile, copyFile } = await import('node:fs/promises');
    const os = await import('node:os');
    const path = await import('node:path');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'backbone-'));
    await copyFile(
      'models/nanodet-g-backbone/nanodet-g-backbone.onnx',
      path.join(dir, 'nanodet-g-backbone.onnx'),
    );
    await writeFile(path.join(dir, 'manifest.json'), JSON.stringify({ ...manifest, sha256: '0'.repeat(64) }));
    await expect(loadFeaturesManifest(path.join(dir, 'manifest.json'))).rejects.toMatchObject({
      code: 'MODEL_HASH_MISMATCH',
      message: expect.stringMatching(/nanodet-g-backbone\.onnx: sha256 is [0-9a-f]{64} but .* says 0{64}/),
    });
  });
});
