import { createHash } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { SerialQueue } from '../../foundation/util/serial-queue.ts';
import { type LoadedFeaturesManifest, loadFeaturesManifest } from '../detect/model-manifest.ts';
import { describeError, EdgeError } from '../errors.ts';
import { type AreaBaselines, matchArea, unionBbox } from './area-matcher.ts';
import { acceptIntoBaseline, loadBaselines } from './baseline-store.ts';
import type { ChangeDetector } from './change-detector.ts';
import { comparePair } from './compare-pair.ts';
import { DeepChangeDetector } from './deep-change.ts';
import type { ComparedImage, EvidenceFile, ImageOutcome } from './drone-types.ts';
import { writeStructureEvidence } from './evidence-crops.ts';
import { FeatureExtractor } from './feature-extractor.ts';
import { DEFAULT_THRESHOLDS, type FlightConfig } from './flight-config.ts';
import { type FlightImage, isImageFile, readFlightImage } from './flight-image.ts';
import { loadOpenCv, type OpenCv } from './opencv.ts';
import { PermittedRegistry } from './permitted-registry.ts';
import { PixelChangeDetector } from './pixel-change.ts';
import { type Registration, registerImage } from './registration.ts';
import { buildStructureEvent, type StructureEvent } from './structure-events.ts';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

export interface ProcessOptions {
  /** Area of every image of the flight, for images that are not georeferenced. */
  areaId?: string;
  /** Override the configured detection method (the evaluation runs both). */
  method?: 'deep' | 'pixel';
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
      try {
        const image = await readFlightImage(file, sha256);
        ({ outcome, events } = await this.processImage(image, options));
      } catch (error) {
        if (!(error instanceof EdgeError)) throw error;
        outcome = {
          status: 'refused',
          image: path.basename(file),
          code: error.code,
          reason: describeError(error),
        };
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

  private register(image: FlightImage, hint?: string) {
    const { area, baselines } = matchArea(image, this.areas, hint);
    let firstFailure: unknown;
    for (const baseline of baselines) {
      try {
        const registration: Registration = registerImage(
          this.cv,
          baseline.pixels,
          image.pixels,
          this.config.registration,
          image.name,
        );
        return { area, baseline, registration };
      } catch (error) {
        firstFailure ??= error;
      }
    }
    throw firstFailure;
  }

  private async processImage(
    image: FlightImage,
    options: ProcessOptions = {},
  ): Promise<{ outcome: ComparedImage; events: StructureEvent[] }> {
    const method = options.method ?? this.config.detection.method;
    const threshold = this.config.detection.threshold ?? DEFAULT_THRESHOLDS[method];
    if (image.pixels.width < 64 || image.pixels.height < 64) {
      throw new EdgeError(
        'FLIGHT_IMAGE_TOO_SMALL',
        `${image.name}: ${image.pixels.width}x${image.pixels.height}, need at least 64x64`,
      );
    }
    const started = performance.now();
    const { area, baseline, registration } = this.register(image, options.areaId);
    const registered = performance.now();
    const pair = await comparePair(
      this.cv,
      this.detectors[method],
      {
        baseline: baseline.pixels,
        image: image.pixels,
        homography: registration.homography,
        ...(baseline.world ? { world: baseline.world } : {}),
      },
      this.config.detection,
      threshold,
      area.registry,
    );
    const detected = performance.now();
    const outcome: ComparedImage = {
      status: 'compared',
      image: image.name,
      area: area.id,
      baseline: baseline.name,
      registration: registration.quality,
      method: this.detectors[method].name,
      candidates: pair.candidates,
      rejected: pair.rejected,
      comparedMegapixels: (baseline.pixels.width * baseline.pixels.height) / 1e6,
      timings: { registerMs: registered - started, detectMs: detected - registered },
    };
    const events: StructureEvent[] = [];
    let index = 0;
    for (const candidate of pair.candidates) {
      if (candidate.permit) continue;
      const prefix = path.join(this.config.evidenceDir, area.id, `${image.sha256.slice(0, 16)}-${index}`);
      const evidence =
        options.evidence === false
          ? undefined
          : await writeStructureEvidence(baseline.pixels, pair.registered, candidate.baselinePolygon, prefix);
      if (evidence && this.hooks.keepEvidence) {
        for (const file of [evidence.before, evidence.after, evidence.pair])
          await this.hooks.keepEvidence(file);
      }
      events.push(
        buildStructureEvent({
          edgeId: this.config.edgeId,
          areaId: area.id,
          imageSha256: image.sha256,
          index,
          takenAtMs: image.takenAtMs,
          frame: { width: image.pixels.width, height: image.pixels.height },
          candidate,
          model: this.model.manifest,
          modelSha256: this.modelSha256,
          ...(evidence ? { evidence } : {}),
          attributes: {
            registrationInliers: registration.quality.inliers,
            reprojectionErrorPx: Math.round(registration.quality.reprojectionErrorPx * 100) / 100,
          },
        }),
      );
      index += 1;
    }
    if (options.accept) {
      const updated = await acceptIntoBaseline(
        baseline,
        pair.registered,
        pair.covered,
        new Date(image.takenAtMs).toISOString().replace(/[:.]/g, '-'),
      );
      area.baselines[area.baselines.indexOf(baseline)] = updated;
    }
    return { outcome, events };
  }
}
