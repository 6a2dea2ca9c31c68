import type { CameraConfig } from '../../edge/config/camera-schema.ts';
import type { EdgeConfig } from '../../edge/config/edge-config-schema.ts';
import { SupersededError } from '../../edge/detect/inference-scheduler.ts';
import { readFrames } from '../../edge/ingest/ffmpeg-frame-reader.ts';
import { buildCameraPipeline } from '../../edge/pipeline/build-camera-pipeline.ts';
import type { CameraPipeline } from '../../edge/pipeline/camera-pipeline.ts';
import type { ModelRegistry } from '../../edge/runtime/model-registry.ts';
import type { RawImage } from '../../foundation/media/frame.ts';
import { childPids, cpuMeter, processesCpuSeconds, processesRssMb, rssMb } from './process-stats.ts';
import { percentile } from './stats.ts';

/**
 * `memory`: one decoded frame list replayed per camera on a wall-clock timer (analysis cost only);
 * `ffmpeg`: one `readFrames({ realtime: true })` decoder per camera, as a live feed would arrive.
 */
export type FeedMode = 'memory' | 'ffmpeg';

export interface LoadRunOptions {
  config: Readonly<EdgeConfig>;
  /** The camera each simulated one copies, under a distinct id. */
  camera: Readonly<CameraConfig>;
  models: ModelRegistry;
  cameras: number;
  mode: FeedMode;
  /** `memory` mode: frames at the analysis size, replayed in a loop. */
  frames: readonly RawImage[];
  /** `ffmpeg` mode: the video each camera decodes, looped. */
  video: string;
  fps: number;
  /** Not counted: pipelines settle, decoders start. */
  warmupSeconds: number;
  measureSeconds: number;
  /** Makes the camera ids of this run unique in the shared schedulers. */
  runId: string;
}

export interface CameraResult {
  offered: number;
  analysed: number;
  /** Milliseconds from a frame being offered to its events being returned, per analysed frame. */
  latencies: number[];
}

export interface LoadRunResult {
  cameras: CameraResult[];
  /** Frames a camera should be offered in the window (fps × seconds). */
  expectedPerCamera: number;
  seconds: number;
  processCores: number;
  machineBusy: number;
  /** Cores the ffmpeg decoders used together (0 in `memory` mode). */
  decodersCores: number;
  /** Cores busy with processes other than this one and its decoders: other load on the box. */
  otherCores: number;
  /** Median RSS of this process over the second half of the window, MB. */
  rssMb: number;
  /** Resident memory of the ffmpeg decoders together, MB (0 in `memory` mode). */
  decodersRssMb: number;
  /** Analyses that failed with something else than a superseded frame, and feeds that failed. */
  errors: number;
  /** The shared detector scheduler over the whole run: mean wait in its queue and mean run. */
  meanWaitMs: number;
  meanRunMs: number;
}

interface FrameRecord {
  offeredAt: number;
  latencyMs: number | undefined;
}

/**
 * A camera's analysis with latest-frame-wins: a frame offered while the previous one is still
 * being analysed is dropped (counted), never queued.
 */
class SimulatedCamera {
  readonly records: FrameRecord[] = [];
  errors = 0;
  private busy = false;
  private inFlight: Promise<void> = Promise.resolve();

  constructor(private readonly pipeline: CameraPipeline) {}

  offer(frame: RawImage, time: number, offeredAt: number): void {
    const record: FrameRecord = { offeredAt, latencyMs: undefined };
    this.records.push(record);
    if (this.busy) return;
    this.busy = true;
    this.inFlight = this.pipeline
      .process(frame, time)
      .then(
        () => {
          record.latencyMs = performance.now() - offeredAt;
        },
        (error: unknown) => {
          if (!(error instanceof SupersededError)) this.errors += 1;
        },
      )
      .finally(() => {
        this.busy = false;
      });
  }

  /** A frame that came and went while the event loop was blocked: dropped. */
  missed(offeredAt: number): void {
    this.records.push({ offeredAt, latencyMs: undefined });
  }

  settle(): Promise<void> {
    return this.inFlight;
  }

  result(from: number, to: number): CameraResult {
    const inWindow = this.records.filter((r) => r.offeredAt >= from && r.offeredAt < to);
    const latencies = inWindow.flatMap((r) => (r.latencyMs === undefined ? [] : [r.latencyMs]));
    return { offered: inWindow.length, analysed: latencies.length, latencies };
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** Offers frame i at `startAt + phaseMs + i × interval`; a late timer drops the frames it missed. */
function playFromMemory(
  camera: SimulatedCamera,
  frames: readonly RawImage[],
  firstIndex: number,
  fps: number,
  phaseMs: number,
  startAt: number,
  stopAt: number,
): Promise<void> {
  const intervalMs = 1000 / fps;
  const dueAt = (i: number) => startAt + phaseMs + i * intervalMs;
  return new Promise((resolve) => {
    let next = 0;
    const tick = () => {
      const latest = Math.floor((performance.now() - startAt - phaseMs) / intervalMs);
      if (latest >= next) {
        for (let i = next; i < latest; i++) camera.missed(dueAt(i));
        const frame = frames[(firstIndex + latest) % frames.length] as RawImage;
        camera.offer(frame, latest / fps, dueAt(latest));
        next = latest + 1;
      }
      if (dueAt(next) >= stopAt) resolve();
      else setTimeout(tick, dueAt(next) - performance.now());
    };
    setTimeout(tick, dueAt(0) - performance.now());
  });
}

async function playFromFfmpeg(
  camera: SimulatedCamera,
  options: LoadRunOptions,
  size: { width: number; height: number },
  delayMs: number,
  signal: AbortSignal,
): Promise<void> {
  await sleep(delayMs);
  try {
    for await (const frame of readFrames({
      source: options.video,
      fps: options.fps,
      ...size,
      realtime: true,
      loop: true,
      signal,
    })) {
      camera.offer(frame, frame.time, performance.now());
    }
  } catch (error) {
    if (!signal.aborted) throw error;
  }
}

/** N cameras sharing the registry's models for warm-up + measured seconds of wall time. */
export async function runCameras(options: LoadRunOptions): Promise<LoadRunResult> {
  const { models, fps, cameras: count } = options;
  const idPrefix = `${options.camera.id}-${options.runId}-`;
  const cameras = Array.from({ length: count }, (_, k) => {
    const config = { ...options.camera, id: `${idPrefix}${k}` };
    const { width, height } = models.frameSize(config);
    const pipeline = buildCameraPipeline({
      edgeId: options.config.edgeId,
      camera: config,
      frameWidth: width,
      frameHeight: height,
      epochMs: Date.now(),
      models: models.forCamera(config),
    });
    return { simulated: new SimulatedCamera(pipeline), size: { width, height } };
  });

  const startAt = performance.now() + 50;
  const windowFrom = startAt + options.warmupSeconds * 1000;
  const stopAt = windowFrom + options.measureSeconds * 1000;
  const abort = new AbortController();
  let feedErrors = 0;
  // Cameras are not in step: each starts a fraction of a frame interval after the one before.
  const phaseMs = (k: number) => (k * 1000) / fps / count;
  const feeds = cameras.map(({ simulated, size }, k) =>
    (options.mode === 'memory'
      ? playFromMemory(
          simulated,
          options.frames,
          Math.floor((k * options.frames.length) / count),
          fps,
          phaseMs(k),
          startAt,
          stopAt,
        )
      : playFromFfmpeg(simulated, options, size, startAt + phaseMs(k) - performance.now(), abort.signal)
    ).catch((error: unknown) => {
      feedErrors += 1;
      console.error(`camera ${k}: ${error instanceof Error ? error.message : String(error)}`);
    }),
  );

  const rss: number[] = [];
  let decodersRssMb = 0;
  let cpuUse: ReturnType<ReturnType<typeof cpuMeter>['stop']>;
  let decodersCpuSeconds = 0;
  try {
    await sleep(windowFrom - performance.now());
    const decoders = childPids();
    const decodersCpuStart = processesCpuSeconds(decoders);
    const cpu = cpuMeter();
    await sleep(options.measureSeconds * 500);
    const sampler = setInterval(() => rss.push(rssMb()), 250);
    await sleep(options.measureSeconds * 250);
    if (options.mode === 'ffmpeg') decodersRssMb = processesRssMb(childPids());
    await sleep(stopAt - performance.now());
    clearInterval(sampler);
    cpuUse = cpu.stop();
    decodersCpuSeconds = processesCpuSeconds(decoders) - decodersCpuStart;
  } finally {
    // Ends the decoders (readFrames kills its ffmpeg on abort); the timers end at stopAt.
    abort.abort();
    await Promise.all(feeds);
    await Promise.all(cameras.map(({ simulated }) => simulated.settle()));
  }

  const sources = Object.values(models.stats())
    .flatMap((s) => s.sources)
    .filter((s) => s.sourceId.startsWith(idPrefix));
  const runs = sources.reduce((n, s) => n + s.completed, 0);
  const weighted = (key: 'meanWaitMs' | 'meanRunMs') =>
    sources.reduce((sum, s) => sum + s[key] * s.completed, 0) / runs;
  return {
    cameras: cameras.map(({ simulated }) => simulated.result(windowFrom, stopAt)),
    expectedPerCamera: options.measureSeconds * fps,
    seconds: options.measureSeconds,
    processCores: cpuUse.processCores,
    machineBusy: cpuUse.machineBusy,
    decodersCores: decodersCpuSeconds / options.measureSeconds,
    otherCores: cpuUse.machineCores - cpuUse.processCores - decodersCpuSeconds / options.measureSeconds,
    rssMb: percentile(rss, 50),
    decodersRssMb,
    errors: feedErrors + cameras.reduce((n, { simulated }) => n + simulated.errors, 0),
    meanWaitMs: weighted('meanWaitMs'),
    meanRunMs: weighted('meanRunMs'),
  };
}

/** Keeps up: ≥ 95 % of the frames it should get were analysed, median latency under one interval. */
export function keepsUp(camera: CameraResult, expected: number, fps: number): boolean {
  return (
    camera.analysed >= 0.95 * Math.max(camera.offered, expected) &&
    percentile(camera.latencies, 50) < 1000 / fps
  );
}
