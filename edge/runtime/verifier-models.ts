import type { Box, RawImage } from '../../foundation/media/frame.ts';
import type { CameraConfig } from '../config/camera-schema.ts';
import type { EdgeConfig } from '../config/edge-config-schema.ts';
import { InferenceScheduler, type SchedulerStats } from '../detect/inference-scheduler.ts';
import { Verifier } from '../verify/verifier.ts';
import type { CameraVerifier } from '../verify/verifier-filter.ts';

interface VerifyJob {
  frame: RawImage;
  crops: Box[];
}

interface LoadedVerifier {
  alias: string;
  verifier: Verifier;
  scheduler: InferenceScheduler<VerifyJob, number[]>;
}

/** Most cameras' frames one verifier session call takes (all crops of each frame). */
const VERIFIER_BATCH = 4;

/**
 * The verifiers the cameras name, loaded once each and shared by all cameras through one inference
 * scheduler: the crops of one frame are one job, and the jobs of several cameras one session call.
 */
export class VerifierModels {
  private constructor(private readonly verifiers: ReadonlyMap<string, LoadedVerifier>) {}

  static async load(
    config: Readonly<EdgeConfig>,
    manifestRef: (alias: string) => string,
    threads: number,
  ): Promise<VerifierModels> {
    const aliases = new Set(config.cameras.flatMap((camera) => camera.verifiers));
    const verifiers = new Map<string, LoadedVerifier>();
    try {
      for (const alias of aliases) {
        const verifier = await Verifier.load(manifestRef(alias), { threads });
        const scheduler = new InferenceScheduler<VerifyJob, number[]>(
          async (jobs) => {
            const items = jobs.flatMap((job) => job.crops.map((crop) => ({ image: job.frame, crop })));
            const scores = await verifier.acceptScores(items);
            let next = 0;
            return jobs.map((job) => {
              const from = next;
              next += job.crops.length;
              return scores.slice(from, next);
            });
          },
          { maxBatch: verifier.dynamicBatch ? VERIFIER_BATCH : 1 },
        );
        verifiers.set(alias, { alias, verifier, scheduler });
      }
    } catch (error) {
      await new VerifierModels(verifiers).dispose();
      throw error;
    }
    return new VerifierModels(verifiers);
  }

  forCamera(camera: Readonly<CameraConfig>): CameraVerifier[] {
    return camera.verifiers.map((alias) => {
      const loaded = this.verifiers.get(alias);
      if (!loaded) throw new Error(`model "${alias}" was not loaded as a verifier`);
      const { manifest } = loaded.verifier;
      return {
        alias,
        labels: manifest.verifies,
        cropContext: manifest.cropContext,
        threshold: manifest.thresholds.score,
        score: (frame, crops) => loaded.scheduler.submit(camera.id, { frame, crops }),
      };
    });
  }

  loaded(): { alias: string; name: string; version: string; sha256: string; task: string; mode: 'active' }[] {
    return [...this.verifiers.values()].map(({ alias, verifier: { manifest } }) => ({
      alias,
      name: manifest.name,
      version: manifest.version,
      sha256: manifest.sha256,
      task: manifest.task,
      mode: 'active' as const,
    }));
  }

  stats(): Record<string, SchedulerStats> {
    return Object.fromEntries([...this.verifiers.values()].map((v) => [v.alias, v.scheduler.stats()]));
  }

  async dispose(): Promise<void> {
    for (const { verifier, scheduler } of this.verifiers.values()) {
      await scheduler.close();
      await verifier.dispose();
    }
  }
}
