import os from 'node:os';
import * as ort from 'onnxruntime-node';
import type { LoadedFeaturesManifest } from '../detect/model-manifest.ts';
import { openSession } from '../detect/onnx-session.ts';
import { EdgeError } from '../errors.ts';
import type { RgbImage } from './raster.ts';

/** One feature map: `channels` planes of `height`×`width` cells, each cell `stride` input pixels. */
export interface FeatureMap {
  data: Float32Array;
  channels: number;
  width: number;
  height: number;
  stride: number;
}

/** Runs a backbone exported as an ONNX feature extractor on whole images (padded to its size multiple). */
export class FeatureExtractor {
  private constructor(
    readonly loaded: LoadedFeaturesManifest,
    private readonly session: ort.InferenceSession,
  ) {}

  static async open(
    loaded: LoadedFeaturesManifest,
    threads = os.availableParallelism(),
  ): Promise<FeatureExtractor> {
    const session = await openSession(loaded, threads, 'FEATURE_MODEL_INVALID');
    const { manifest } = loaded;
    if (!session.inputNames.includes(manifest.input.name)) {
      throw new EdgeError(
        'FEATURE_MODEL_INVALID',
        `${loaded.manifestPath}: the model has no input "${manifest.input.name}"`,
      );
    }
    const missing = manifest.outputs.filter((o) => !session.outputNames.includes(o.name)).map((o) => o.name);
    if (missing.length > 0) {
      throw new EdgeError(
        'FEATURE_MODEL_INVALID',
        `${loaded.manifestPath}: the model does not output ${missing.join(', ')} (it has ${session.outputNames.join(', ')})`,
      );
    }
    return new FeatureExtractor(loaded, session);
  }

  /** The normalised NCHW input: the image padded (edge pixels repeated) to the size multiple. */
  private tensor(image: RgbImage): ort.Tensor {
    const { input } = this.loaded.manifest;
    const m = input.sizeMultiple;
    const width = Math.ceil(image.width / m) * m;
    const height = Math.ceil(image.height / m) * m;
    const plane = width * height;
    const data = new Float32Array(3 * plane);
    const order = input.pixelFormat === 'BGR' ? [2, 1, 0] : [0, 1, 2];
    for (let c = 0; c < 3; c++) {
      const src = order[c] ?? 0;
      const mean = input.mean[c] ?? 0;
      const scale = 1 / (input.std[c] ?? 1);
      const base = c * plane;
      for (let y = 0; y < height; y++) {
        const sy = Math.min(y, image.height - 1) * image.width;
        for (let x = 0; x < width; x++) {
          const p = (sy + Math.min(x, image.width - 1)) * 3 + src;
          data[base + y * width + x] = ((image.data[p] ?? 0) - mean) * scale;
        }
      }
    }
    return new ort.Tensor('float32', data, [1, 3, height, width]);
  }

  async extract(image: RgbImage): Promise<FeatureMap[]> {
    const { manifest } = this.loaded;
    const results = await this.session.run({ [manifest.input.name]: this.tensor(image) });
    return manifest.outputs.map((o) => {
      const t = results[o.name];
      if (t?.dims.length !== 4 || t.dims[1] !== o.channels) {
        throw new EdgeError(
          'FEATURE_MODEL_INVALID',
          `${this.loaded.modelPath}: output ${o.name} is [${t?.dims.join(', ')}], not [1, ${o.channels}, H, W]`,
        );
      }
      return {
        data: t.data as Float32Array,
        channels: o.channels,
        height: Number(t.dims[2]),
        width: Number(t.dims[3]),
        stride: o.stride,
      };
    });
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
