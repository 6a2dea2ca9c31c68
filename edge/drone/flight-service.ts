import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { SerialQueue } from '../../foundation/util/serial-queue.ts';
import { type LoadedFeaturesManifest, loadFeaturesManifest } from '../detect/model-manifest.ts';
import { describeError, EdgeError } from '../errors.ts';
import { type AreaBaselines, unionBbox } from './area-matcher.ts';
import { closeBaselines, loadBaselines } from './baseline-store.ts';
import type { ChangeDetector } from './change-detector.ts';
import { compareImage, type ImageComparison } from './compare-image.ts';
import { DeepChangeDetector } from './deep-change.ts';
import type { ComparedImage, EvidenceFile, ImageOutcome } from './drone-types.ts';
import { FeatureExtractor } from './feature-extractor.ts';
import { DEFAULT_THRESHOLDS, type FlightConfig } from './flight-config.ts';
import { type FlightImage, isImageFile, readFlightImage } from './flight-image.ts';
import { loadOpenCv, type OpenCv } from './opencv.ts';
import { PermittedRegistry } from './permitted-registry.ts';
import { PixelChangeDetector } from './pixel-change.ts';
import { buildStructureEvent, type StructureEvent } from './structure-events.ts';

export interface ProcessOptions {
  /** Area of every image of the flight, for images that are not georeferenced. */
  areaId?: string;
  /** Override the configured detection method (the evaluation runs both). */
  method?: 'deep' | 'pixel';
  /** Override the configured change threshold (the evaluation sweeps it). */
  threshold?: number;
  /** Write evidence crops (default true). */
  evidence?: boolean;
  /** Make each compared image its area's new baseline. */
  accept?: boolean;
  onEvent?: (event: StructureEvent) => void;
  onImage?: (outcome: ImageOutcome) => void;
}

export interface FlightReport {
  flight: string;
  images: ImageOutcome[];
  events: StructureEvent[];
}

/** Where a running edge takes the service's output; `edge flight` needs neither. */
export interface FlightServiceHooks {
  /** Each evidence crop once written, before its event is built (e.g. adopted into the evidence store). */
  keepEvidence?: (file: EvidenceFile) => Promise<void>;
  /** Each event of every flight processed, awaited before the next (e.g. into the durable outbox). */
  deliver?: (event: StructureEvent) => Promise<void>;
}

interface Area extends AreaBaselines {
  registry: PermittedRegistry;
}

/**
 * The drone path of an edge box: registers each flight image to its area's baseline, compares
 * the pair with the configured change detector, and raises `illegal_structure` events for
 * changed regions that no permit covers. An image that cannot be placed or registered is
 * refused with its reason, never compared. Used by `edge flight`, the folder watcher and the
 * upload route alike.
 */
export class FlightService {
  /** One flight at a time: the watcher and the upload route share the model and the baselines. */
  private readonly queue = new SerialQueue();

  private constructor(
    readonly config: FlightConfig,
    readonly cv: OpenCv,
    readonly model: LoadedFeaturesManifest,
    private readonly extractor: FeatureExtractor,
    private readonly detectors: Record<'deep' | 'pixel', ChangeDetector>,
    private readonly areas: Area[],
    private readonly modelSha256: string,
    private readonly hooks: FlightServiceHooks,
  ) {}

  static async create(config: FlightConfig, hooks: FlightServiceHooks = {}): Promise<FlightService> {
    const [cv, model] = await Promise.all([loadOpenCv(), loadFeaturesManifest(config.model)]);
    const extractor = await FeatureExtractor.open(model);
    const areas: Area[] = [];
    for (const a of config.areas) {
      const baselines = await loadBaselines(a.baseline, a.id);
      const bbox = a.bbox ?? unionBbox(baselines.flatMap((b) => (b.bbox ? [b.bbox] : [])));
      areas.push({
        id: a.id,
        baselines,
        ...(bbox ? { bbox } : {}),
        registry: a.permitted ? await PermittedRegistry.load(a.permitted) : PermittedRegistry.empty(),
      });
    }
    const detectors = { deep: new DeepChangeDetector(extractor), pixel: new PixelChangeDetector() };
    return new FlightService(config, cv, model, extractor, detectors, areas, model.manifest.sha256, hooks);
  }

  async close(): Promise<void> {
    await this.extractor.close();
    for (const area of this.areas) await closeBaselines(area.baselines);
  }

  /** The image files of a flight folder, in name order; an empty or missing folder is refused. */
  static async listFlight(dir: string): Promise<string[]> {
    let names: string[];
    try {
      if (!(await stat(dir)).isDirectory()) throw new Error('not a folder');
      names = (await readdir(dir)).filter(isImageFile).sort();
    } catch (error) {
      throw new EdgeError('FLIGHT_NOT_FOUND', `${dir}: ${(error as Error).message}`, { cause: error });
    }
    if (names.length === 0) throw new EdgeError('FLIGHT_NOT_FOUND', `${dir}: no JPEG, PNG or TIFF images`);
    return names.map((n) => path.join(dir, n));
  }

  async processFlight(dir: string, options: ProcessOptions = {}): Promise<FlightReport> {
    const files = await FlightService.listFlight(dir);
    return this.processFiles(path.basename(path.resolve(dir)), files, options);
  }

  processFiles(
    flight: string,
    files: readonly string[],
    options: ProcessOptions = {},
  ): Promise<FlightReport> {
    return this.queue.run(() => this.processInTurn(flight, files, options));
  }

  private async processInTurn(
    flight: string,
    files: readonly string[],
    options: ProcessOptions,
  ): Promise<FlightReport> {
    const report: FlightReport = { flight, images: [], events: [] };
    for (const file of files) {
      let outcome: ImageOutcome;
      let events: StructureEvent[] = [];
      let image: FlightImage | undefined;
      try {
        image = await readFlightImage(file);
        ({ outcome, events } = await this.processImage(image, options));
      } catch (error) {
        if (!(error instanceof EdgeError)) throw error;
        outcome = {
          status: 'refused',
          image: path.basename(file),
          code: error.code,
          reason: describeError(error),
        };
      } finally {
        await image?.raster.close();
      }
      for (const event of events) {
        await this.hooks.deliver?.(event);
        report.events.push(event);
        options.onEvent?.(event);
      }
      report.images.push(outcome);
      options.onImage?.(outcome);
    }
    return report;
  }

  private async processImage(
    image: FlightImage,
    options: ProcessOptions = {},
  ): Promise<{ outcome: ComparedImage; events: StructureEvent[] }> {
    const method = options.method ?? this.config.detection.method;
    const threshold = options.threshold ?? this.config.detection.threshold ?? DEFAULT_THRESHOLDS[method];
    const { width, height } = image.raster;
    if (width < 64 || height < 64) {
      throw new EdgeError('FLIGHT_IMAGE_TOO_SMALL', `${image.name}: ${width}x${height}, need at least 64x64`);
    }
    const comparison: ImageComparison = await compareImage(
      { cv: this.cv, detector: this.detectors[method], config: this.config, threshold },
      image,
      this.areas,
      {
        ...(options.areaId ? { hint: options.areaId } : {}),
        evidencePrefix: (area, index) =>
          options.evidence === false
            ? undefined
            : path.join(this.config.evidenceDir, area, `${image.sha256.slice(0, 16)}-${index}`),
        ...(this.hooks.keepEvidence ? { keepEvidence: this.hooks.keepEvidence } : {}),
        accept: options.accept === true,
      },
    );
    const { area, outcome } = comparison;
    const events = outcome.candidates
      .filter((candidate) => !candidate.permit)
      .map((candidate, index) => {
        const evidence = comparison.evidence.get(candidate);
        return buildStructureEvent({
          edgeId: this.config.edgeId,
          areaId: area,
          imageSha256: image.sha256,
          index,
          takenAtMs: image.takenAtMs,
          frame: { width, height },
          candidate,
          model: this.model.manifest,
          modelSha256: this.modelSha256,
          ...(evidence ? { evidence } : {}),
          attributes: {
            registrationInliers: outcome.registration.inliers,
            reprojectionErrorPx: Math.round(outcome.registration.reprojectionErrorPx * 100) / 100,
          },
        });
      });
    return { outcome, events };
  }
}
