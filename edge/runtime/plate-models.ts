import type { Box, RawImage } from '../../foundation/media/frame.ts';
import type { EdgeConfig } from '../config/edge-config-schema.ts';
import { InferenceScheduler, type SchedulerStats } from '../detect/inference-scheduler.ts';
import { EdgeError } from '../errors.ts';
import {
  DEFAULT_PLATE_READER,
  type PlateReaderSettings,
  plateReader,
  type ReadPlate,
} from '../plates/plate-reader.ts';
import type { PlateCandidate } from '../plates/plate-vote.ts';
import { TextDetector } from '../plates/text-detector.ts';
import { TextRecognizer } from '../plates/text-recognizer.ts';
import { scenarioPlateModels } from '../scenarios/registry.ts';

interface PlateJob {
  frame: RawImage;
  vehicle: Box;
  read: ReadPlate;
}

/**
 * The OCR models the cameras' plate-reading scenarios name, loaded once each. Reads of every camera
 * go through one scheduler (one read at a time: det and rec share the cores with the detector),
 * round-robin between cameras like the other models.
 */
export class PlateModels {
  private readonly scheduler = new InferenceScheduler<PlateJob, PlateCandidate | undefined>(
    async (jobs) => {
      const results: (PlateCandidate | undefined)[] = [];
      for (const job of jobs) results.push(await job.read(job.frame, job.vehicle));
      return results;
    },
    { maxBatch: 1 },
  );

  private constructor(
    private readonly detectors: ReadonlyMap<string, TextDetector>,
    private readonly recognizers: ReadonlyMap<string, TextRecognizer>,
  ) {}

  /** Loads the text detectors and recognisers named by the cameras' scenarios (none if no scenario reads plates). */
  static async load(
    config: Readonly<EdgeConfig>,
    manifestRef: (alias: string) => string,
    threads: number,
  ): Promise<PlateModels> {
    const pairs = config.cameras.flatMap((camera) => camera.scenarios.map((s) => scenarioPlateModels(s)));
    const detectors = new Map<string, TextDetector>();
    const recognizers = new Map<string, TextRecognizer>();
    const models = new PlateModels(detectors, recognizers);
    try {
      for (const [detector, recognizer] of pairs) {
        if (detector && !detectors.has(detector)) {
          detectors.set(detector, await TextDetector.load(manifestRef(detector), threads));
        }
        if (recognizer && !recognizers.has(recognizer)) {
          recognizers.set(recognizer, await TextRecognizer.load(manifestRef(recognizer), threads));
        }
      }
    } catch (error) {
      await models.dispose();
      throw error;
    }
    return models;
  }

  /** A camera's plate reader over the named models. */
  reader(cameraId: string, settings: PlateReaderSettings): ReadPlate {
    const detector = this.detectors.get(settings.detector);
    const recognizer = this.recognizers.get(settings.recognizer);
    if (!detector || !recognizer) {
      throw new EdgeError(
        'CONFIG_INVALID',
        `OCR models "${settings.detector}" and "${settings.recognizer}" were not loaded for plates`,
      );
    }
    const read = plateReader(detector, recognizer, { ...DEFAULT_PLATE_READER, region: settings.region });
    return (frame, vehicle) => this.scheduler.submit(cameraId, { frame, vehicle, read });
  }

  /** The scheduler's counters, when any plate model is loaded. */
  stats(): Record<string, SchedulerStats> {
    return this.detectors.size > 0 ? { plates: this.scheduler.stats() } : {};
  }

  async dispose(): Promise<void> {
    await this.scheduler.close();
    for (const detector of this.detectors.values()) await detector.dispose();
    for (const recognizer of this.recognizers.values()) await recognizer.dispose();
  }
}
