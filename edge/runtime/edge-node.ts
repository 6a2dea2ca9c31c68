import type { EdgeEvent } from '../../contract/events.ts';
import type { CameraConfig, EdgeConfig } from '../config/edge-config-schema.ts';
import { SupersededError } from '../detect/inference-scheduler.ts';
import { CameraSource, type CameraStats } from '../ingest/camera-source.ts';
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
}

/**
 * A running edge box: every configured camera supervised (watchdog, reconnects) and analysed by
 * its pipeline, all cameras sharing one scheduler per model. Frames a camera cannot keep up with
 * are dropped (latest frame wins), never queued.
 */
export class EdgeNode {
  private constructor(
    private readonly models: ModelRegistry,
    private readonly cameras: RunningCamera[],
  ) {}

  static async start(config: Readonly<EdgeConfig>, options: EdgeNodeOptions): Promise<EdgeNode> {
    const clock = options.clock ?? Date.now;
    const models = await ModelRegistry.load(config);
    const cameras = config.cameras.map((camera): RunningCamera => {
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
      const loop = (async () => {
        for await (const frame of source.frames()) {
          try {
            const time = (frame.wallTime - startedAt) / 1000;
            for (const event of await pipeline.process(frame, time)) options.onEvent(event);
          } catch (error) {
            // A frame superseded in a model's queue is a dropped frame, not a fault.
            if (!(error instanceof SupersededError)) options.onError?.(camera.id, error);
          }
        }
      })();
      return { config: camera, source, pipeline, loop };
    });
    return new EdgeNode(models, cameras);
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
  async stop(onEvent: (event: EdgeEvent) => void): Promise<void> {
    await Promise.all(this.cameras.map((camera) => camera.source.stop()));
    await Promise.all(this.cameras.map((camera) => camera.loop));
    for (const camera of this.cameras) for (const event of camera.pipeline.finish()) onEvent(event);
    await this.models.dispose();
  }
}
