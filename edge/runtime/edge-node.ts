import type { EdgeEvent } from '../../contract/events.ts';
import type { CameraConfig, EdgeConfig } from '../config/edge-config-schema.ts';
import { SupersededError } from '../detect/inference-scheduler.ts';
import { type CameraFrame, CameraSource, type CameraStats } from '../ingest/camera-source.ts';
import { buildCameraPipeline } from '../pipeline/build-camera-pipeline.ts';
import type { CameraCounters, CameraPipeline } from '../pipeline/camera-pipeline.ts';
import { ModelRegistry } from './model-registry.ts';

export interface EdgeNodeOptions {
  onEvent: (event: EdgeEvent) => void;
  /** Problems that do not stop the node (a frame that failed analysis). */
  onError?: (cameraId: string, error: unknown) => void;
  /** Wall clock, ms since the epoch. */
  clock?: () => number;
}

export interface CameraStatus extends CameraStats {
  analysis: CameraCounters;
}

interface RunningCamera {
  config: Readonly<CameraConfig>;
  source: CameraSource;
  pipeline: CameraPipeline;
  loop: Promise<void>;
  /** The newest frame analysed, for the local API's snapshot. */
  latest: CameraFrame | undefined;
}

/** Recent events kept in memory for the local API. */
const RECENT_EVENTS = 200;

/**
 * A running edge box: every configured camera supervised (watchdog, reconnects) and analysed by
 * its pipeline, all cameras sharing one scheduler per model. Frames a camera cannot keep up with
 * are dropped (latest frame wins), never queued.
 */
export class EdgeNode {
  private readonly cameras: RunningCamera[] = [];
  private readonly recent: EdgeEvent[] = [];

  private constructor(
    readonly config: Readonly<EdgeConfig>,
    private readonly models: ModelRegistry,
    private readonly options: EdgeNodeOptions,
    readonly startedAt: number,
  ) {}

  static async start(config: Readonly<EdgeConfig>, options: EdgeNodeOptions): Promise<EdgeNode> {
    const clock = options.clock ?? Date.now;
    const models = await ModelRegistry.load(config);
    const node = new EdgeNode(config, models, options, clock());
    for (const camera of config.cameras) node.cameras.push(node.startCamera(camera, clock));
    return node;
  }

  private startCamera(camera: Readonly<CameraConfig>, clock: () => number): RunningCamera {
    const { config, models, options } = this;
    const { width, height } = models.frameSize(camera);
    const startedAt = clock();
    const pipeline = buildCameraPipeline({
      edgeId: config.edgeId,
      camera,
      frameWidth: width,
      frameHeight: height,
      epochMs: startedAt,
      models: models.forCamera(camera),
    });
    const source = new CameraSource({
      id: camera.id,
      url: camera.source.url,
      fps: camera.fps,
      width,
      height,
      transport: camera.source.transport,
      loop: camera.source.loop,
      // A file standing in for a camera plays at its own pace.
      realtime: true,
      ...(camera.source.hwaccel ? { hwaccel: camera.source.hwaccel } : {}),
      stallSeconds: camera.watchdog.stallSeconds,
      backoffInitialSeconds: camera.watchdog.backoffInitialSeconds,
      backoffMaxSeconds: camera.watchdog.backoffMaxSeconds,
      clock,
    });
    const running: RunningCamera = {
      config: camera,
      source,
      pipeline,
      loop: Promise.resolve(),
      latest: undefined,
    };
    running.loop = (async () => {
      for await (const frame of source.frames()) {
        try {
          const time = (frame.wallTime - startedAt) / 1000;
          for (const event of await pipeline.process(frame, time)) this.emit(event);
          running.latest = frame;
        } catch (error) {
          // A frame superseded in a model's queue is a dropped frame, not a fault.
          if (!(error instanceof SupersededError)) options.onError?.(camera.id, error);
        }
      }
    })();
    return running;
  }

  /** The newest analysed frame of a camera (raw RGB at the analysed size), if any yet. */
  latestFrame(cameraId: string): CameraFrame | undefined {
    return this.cameras.find((c) => c.config.id === cameraId)?.latest;
  }

  /** The most recent events, newest first. */
  recentEvents(limit: number): EdgeEvent[] {
    return this.recent.slice(-limit).reverse();
  }

  private emit(event: EdgeEvent): void {
    this.recent.push(event);
    if (this.recent.length > RECENT_EVENTS) this.recent.shift();
    this.options.onEvent(event);
  }

  status(): CameraStatus[] {
    return this.cameras.map(({ source, pipeline }) => ({
      ...source.stats(),
      analysis: { ...pipeline.counters },
    }));
  }

  modelStats(): ReturnType<ModelRegistry['stats']> {
    return this.models.stats();
  }

  /** Stops every camera, ends open incidents (their end events go to `onEvent`), frees the models. */
  async stop(): Promise<void> {
    await Promise.all(this.cameras.map((camera) => camera.source.stop()));
    await Promise.all(this.cameras.map((camera) => camera.loop));
    for (const camera of this.cameras) for (const event of camera.pipeline.finish()) this.emit(event);
    await this.models.dispose();
  }
}
