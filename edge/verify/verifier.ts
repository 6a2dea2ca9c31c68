import type { Box, RawImage } from '../../foundation/media/frame.ts';
import { ModelManifestSchema, type VerifierManifest } from '../../foundation/models/manifest-schema.ts';
import { Classifier } from '../classify/classifier.ts';
import { type Loaded, loadAnyManifest } from '../detect/model-manifest.ts';
import { EdgeError } from '../errors.ts';

export interface VerifierOptions {
  /** Threads for one inference; defaults to the machine's cores. */
  threads?: number;
}

/**
 * A trained verifier (task `verify`): the probability that each detection crop is what the
 * detector said. It runs as a two-class Classifier (reject, accept) over the same preprocessing,
 * so its session, input checks and batching are the classifier's.
 */
export class Verifier {
  private constructor(
    readonly loaded: Loaded<VerifierManifest>,
    private readonly classifier: Classifier,
  ) {}

  static async load(nameOrPath: string, options: VerifierOptions = {}): Promise<Verifier> {
    const loaded = await loadAnyManifest(nameOrPath);
    const { manifest, manifestPath } = loaded;
    if (manifest.task !== 'verify') {
      throw new EdgeError(
        'MODEL_TASK_MISMATCH',
        `${manifestPath}: task is "${manifest.task}", but a verifier needs a "verify" model (npm run models -- train-verifier)`,
      );
    }
    const asClassifier = ModelManifestSchema.parse({
      ...manifest,
      task: 'classify',
      labels: [...manifest.labels],
    });
    const classifier = await Classifier.fromManifest({ ...loaded, manifest: asClassifier }, options);
    return new Verifier({ ...loaded, manifest }, classifier);
  }

  get manifest(): VerifierManifest {
    return this.loaded.manifest;
  }

  /** Whether crops of several detections go through in one session run. */
  get dynamicBatch(): boolean {
    return this.classifier.dynamicBatch;
  }

  /** The accept probability of each crop (pixels of `image`, already grown by the manifest's `cropContext`). */
  async acceptScores(items: readonly { image: RawImage; crop: Box }[]): Promise<number[]> {
    const results = await this.classifier.classifyBatch(items);
    return results.map((r) => r.scores.accept ?? 0);
  }

  dispose(): Promise<void> {
    return this.classifier.dispose();
  }
}
