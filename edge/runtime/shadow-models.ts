import type { EdgeEvent } from '../../foundation/contract/events.ts';
import type { Box, RawImage } from '../../foundation/media/frame.ts';
import { verifierCrop } from '../../foundation/models/verifier-crop.ts';
import { Detector } from '../detect/detector.ts';
import { InferenceScheduler } from '../detect/inference-scheduler.ts';
import { loadModelManifest } from '../detect/model-manifest.ts';
import { type ShadowVerdict, shadowDetections, shadowJudgements } from '../events/event-builder.ts';
import { assignedAlias, type RunnableAssignment } from '../models-sync/assigned-models.ts';
import { Verifier } from '../verify/verifier.ts';

/** A model running in shadow: what it says of one event's frame, or undefined when it has nothing to say. */
interface ShadowModel {
  identity: { name: string; version: string; sha256: string };
  task: 'detect' | 'verify';
  manifestPath: string;
  /** Undefined also while the model is busy with another frame: it skips frames rather than queue them. */
  judge(event: EdgeEvent, frame: RawImage): Promise<ShadowVerdict | undefined>;
  dispose(): Promise<void>;
}

/** A model of the status's `models[]`. */
export interface ShadowModelStatus {
  alias: string;
  name: string;
  version: string;
  sha256: string;
  task: string;
  mode: 'shadow';
}

/**
 * The models assigned in shadow mode, each loaded once with a scheduler of its own, run on the
 * frames events are raised on (the snapshot frames: what the cloud compares with the operators'
 * labels) and never before tracking, so they change no detection, track or event. A shadow model
 * busy with a frame skips the next instead of queueing it, and so does every one while the
 * cameras' own models are busy (`verdicts`' `busy`).
 */
export class ShadowModels {
  private constructor(
    private readonly models: ReadonlyMap<string, ShadowModel>,
    private readonly assignments: readonly RunnableAssignment[],
  ) {}

  static empty(): ShadowModels {
    return new ShadowModels(new Map(), []);
  }

  /** Loads the shadow assignments' models; those `previous` holds from the same manifest are taken over. */
  static async load(
    assignments: readonly RunnableAssignment[],
    previous: ShadowModels = ShadowModels.empty(),
  ): Promise<ShadowModels> {
    const shadow = assignments.filter((a) => a.mode === 'shadow');
    const models = new Map<string, ShadowModel>();
    try {
      for (const { manifestPath, task } of shadow) {
        if (models.has(manifestPath)) continue;
        const reused = previous.models.get(manifestPath);
        if (reused) models.set(manifestPath, reused);
        else if (task === 'detect') models.set(manifestPath, await loadDetector(manifestPath));
        else if (task === 'verify') models.set(manifestPath, await loadVerifier(manifestPath));
      }
    } catch (error) {
      for (const [file, model] of models) if (previous.models.get(file) !== model) await model.dispose();
      throw error;
    }
    return new ShadowModels(models, shadow);
  }

  /** What each shadow model of the event's camera says of `frame`; none while `busy` or it is busy. */
  async verdicts(event: EdgeEvent, frame: RawImage, busy: boolean): Promise<ShadowVerdict[]> {
    if (busy) return [];
    const mine = this.assignments.filter((a) => a.cameraId === event.cameraId);
    const verdicts = await Promise.all(
      mine.map((a) => {
        const model = this.models.get(a.manifestPath);
        // A shadow model that fails is a verdict missing, never an event lost.
        return model ? model.judge(event, frame).catch(() => undefined) : undefined;
      }),
    );
    return verdicts.filter((v): v is ShadowVerdict => v !== undefined);
  }

  status(): ShadowModelStatus[] {
    const seen = new Set<string>();
    return this.assignments.flatMap((a) => {
      const alias = assignedAlias(a);
      if (seen.has(alias)) return [];
      seen.add(alias);
      return [
        { alias, name: a.name, version: a.version, sha256: a.sha256, task: a.task, mode: 'shadow' as const },
      ];
    });
  }

  /** Frees the models `next` did not take over. */
  async disposeReplaced(next: ShadowModels): Promise<void> {
    for (const [file, model] of this.models) if (next.models.get(file) !== model) await model.dispose();
  }

  async dispose(): Promise<void> {
    await this.disposeReplaced(ShadowModels.empty());
  }
}

async function loadDetector(manifestPath: string): Promise<ShadowModel> {
  const loaded = await loadModelManifest(manifestPath);
  // One thread: a shadow model must not take the CPU from the models that matter.
  const detector = await Detector.fromManifest(loaded, { threads: 1 });
  const scheduler = new InferenceScheduler<RawImage, Awaited<ReturnType<Detector['detect']>>>(
    (frames) => Promise.all(frames.map((frame) => detector.detect(frame))),
    { maxBatch: 1 },
  );
  const { name, version, sha256 } = detector.manifest;
  const identity = { name, version, sha256 };
  let last: { frame: RawImage; verdict: Promise<ShadowVerdict> } | undefined;
  return {
    identity,
    task: 'detect',
    manifestPath,
    judge: async (event, frame) => {
      // Several events raised on one frame: the detector runs on it once.
      if (last?.frame !== frame) {
        if (isBusy(scheduler)) return undefined;
        const verdict = scheduler
          .submit(event.cameraId, frame)
          .then((found) => shadowDetections(identity, found, frame));
        last = { frame, verdict };
      }
      return last.verdict;
    },
    dispose: async () => {
      await scheduler.close();
      await detector.dispose();
    },
  };
}

async function loadVerifier(manifestPath: string): Promise<ShadowModel> {
  const verifier = await Verifier.load(manifestPath, { threads: 1 });
  const scheduler = new InferenceScheduler<{ frame: RawImage; crops: Box[] }, number[]>(
    async ([job]) =>
      job ? [await verifier.acceptScores(job.crops.map((crop) => ({ image: job.frame, crop })))] : [],
    { maxBatch: 1 },
  );
  const { manifest } = verifier;
  const identity = { name: manifest.name, version: manifest.version, sha256: manifest.sha256 };
  return {
    identity,
    task: 'verify',
    manifestPath,
    judge: async (event, frame) => {
      if (isBusy(scheduler)) return undefined;
      const judged = event.objects.flatMap((object, index) => {
        if (!manifest.verifies.includes(object.label)) return [];
        const [x1, y1, x2, y2] = object.box;
        const box: Box = [x1 * frame.width, y1 * frame.height, x2 * frame.width, y2 * frame.height];
        const crop = verifierCrop(box, manifest.cropContext, frame.width, frame.height);
        return crop[2] - crop[0] >= 1 && crop[3] - crop[1] >= 1 ? [{ index, crop }] : [];
      });
      if (judged.length === 0) return undefined;
      const scores = await scheduler.submit(event.cameraId, { frame, crops: judged.map((j) => j.crop) });
      return shadowJudgements(
        identity,
        judged.map((j, k) => ({ index: j.index, score: scores[k] ?? 0 })),
        manifest.thresholds.score,
      );
    },
    dispose: async () => {
      await scheduler.close();
      await verifier.dispose();
    },
  };
}

function isBusy<I, R>(scheduler: InferenceScheduler<I, R>): boolean {
  return scheduler.stats().sources.some((s) => s.waiting || s.running);
}
