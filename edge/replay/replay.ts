import type { EdgeEvent } from '../../foundation/contract/events.ts';
import type { CameraConfig } from '../config/camera-schema.ts';
import type { EdgeConfig } from '../config/edge-config-schema.ts';
import { EdgeError } from '../errors.ts';
import { readFrames } from '../ingest/ffmpeg-frame-reader.ts';
import { buildCameraPipeline } from '../pipeline/build-camera-pipeline.ts';
import type { CameraCounters } from '../pipeline/camera-pipeline.ts';
import { ModelRegistry } from '../runtime/model-registry.ts';
import type { RegionSource } from '../suppress/suppression-filter.ts';

export interface ReplayOptions {
  config: Readonly<EdgeConfig>;
  /** The recorded video; it stands in for the camera's source. */
  video: string;
  /** Which configured camera the video is from; may be left out when the config has one camera. */
  cameraId?: string;
  /** `max`: as fast as the box can analyse; `realtime`: at the video's own pace, like a live camera. */
  speed: 'max' | 'realtime';
  /** Wall-clock milliseconds the video's first frame is taken to be at (event timestamps). */
  epochMs: number;
  /** Stop after this many seconds of video. */
  maxSeconds?: number;
  /** Models already loaded (tests and benchmarks reuse them); absent: loaded from the config. */
  models?: ModelRegistry;
  /** The suppression regions the camera applies, as `edge run` would (edge/suppress/). */
  suppression?: RegionSource;
  onEvent: (event: EdgeEvent) => void;
  /** After each frame (analysed or skipped by the motion gate), with its stream time in seconds. */
  onFrame?: (time: number) => void;
  signal?: AbortSignal;
}

export interface ReplaySummary {
  cameraId: string;
  frameWidth: number;
  frameHeight: number;
  events: number;
  counters: CameraCounters;
  /** Wall-clock seconds the replay took. */
  seconds: number;
}

/** Runs a recorded video through the same pipeline a live camera uses; events come in stream order. */
export async function replayVideo(options: ReplayOptions): Promise<ReplaySummary> {
  const camera = pickCamera(options.config, options.cameraId);
  const started = performance.now();
  const models = options.models ?? (await ModelRegistry.load(options.config));
  try {
    const { width, height } = models.frameSize(camera);
    const pipeline = buildCameraPipeline({
      edgeId: options.config.edgeId,
      camera,
      frameWidth: width,
      frameHeight: height,
      epochMs: options.epochMs,
      models: models.forCamera(camera),
      suppression: options.suppression,
    });
    let events = 0;
    const emit = (list: EdgeEvent[]) => {
      for (const event of list) options.onEvent(event);
      events += list.length;
    };
    for await (const frame of readFrames({
      source: options.video,
      fps: camera.fps,
      width,
      height,
      realtime: options.speed === 'realtime',
      ...(camera.source.hwaccel ? { hwaccel: camera.source.hwaccel } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    })) {
      if (options.maxSeconds !== undefined && frame.time > options.maxSeconds) break;
      emit(await pipeline.process(frame, frame.time));
      options.onFrame?.(frame.time);
    }
    emit(pipeline.finish());
    return {
      cameraId: camera.id,
      frameWidth: width,
      frameHeight: height,
      events,
      counters: { ...pipeline.counters },
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    if (!options.models) await models.dispose();
  }
}

export function pickCamera(
  config: Readonly<EdgeConfig>,
  cameraId: string | undefined,
): Readonly<CameraConfig> {
  const ids = config.cameras.map((c) => c.id).join(', ');
  if (cameraId === undefined) {
    if (config.cameras.length === 1) return config.cameras[0] as CameraConfig;
    throw new EdgeError('CONFIG_INVALID', `the config has several cameras (${ids}); say which with --camera`);
  }
  const camera = config.cameras.find((c) => c.id === cameraId);
  if (!camera)
    throw new EdgeError('CONFIG_INVALID', `no camera "${cameraId}" in the config (cameras: ${ids})`);
  return camera;
}
