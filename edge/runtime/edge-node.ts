import path from 'node:path';
import type { EdgeEvent } from '../../foundation/contract/events.ts';
import { probeVideo } from '../../foundation/media/ffprobe.ts';
import type { CameraConfig } from '../config/camera-schema.ts';
import type { EdgeConfig } from '../config/edge-config-schema.ts';
import { SupersededError } from '../detect/inference-scheduler.ts';
import type { ShadowVerdict } from '../events/event-builder.ts';
import { ClipCutter } from '../evidence/clip-cutter.ts';
import type { EvidenceStage } from '../evidence/evidence-stage.ts';
import { type RecorderStats, SegmentRecorder } from '../evidence/segment-recorder.ts';
import type { CameraHealthMonitor } from '../health/camera-health.ts';
import { type CameraFrame, CameraSource, type CameraStats } from '../ingest/camera-source.ts';
import { buildCameraPipeline } from '../pipeline/build-camera-pipeline.ts';
import type { CameraCounters, CameraPipeline } from '../pipeline/camera-pipeline.ts';
import { endAfterRestart } from '../rules/incident-resume.ts';
import { isStreamUrl } from '../schema/source-schema.ts';
import type { RegionSource } from '../suppress/suppression-filter.ts';
import { startCameraHealth } from './camera-health-runtime.ts';
import type { IncidentJournal } from './incident-journal.ts';
import { ModelRegistry } from './model-registry.ts';

export interface EdgeNodeOptions {
  /** Each event, with its evidence once the stage has attached it; in order within an incident. */
  onEvent: (event: EdgeEvent) => unknown;
  /**
   * Snapshots and clips for events. With it, each camera whose source can be stream-copied is
   * recorded into a rolling segment buffer under `dataDir/segments/` (when clips are enabled).
   */
  evidence?: EvidenceStage;
  /** Problems that do not stop the node (a frame that failed analysis). */
  onError?: (cameraId: string, error: unknown) => void;
  /** Wall clock, ms since the epoch. */
  clock?: () => number;
  /**
   * Open incidents on disk: journaled before their events are delivered, continued or ended at the
   * next start when this run does not end them (see edge/rules/incident-resume.ts).
   */
  journal?: IncidentJournal;
  /** Bytes the disk is short of the space kept free for events: the clip buffers give way. */
  spaceShortfall?: () => Promise<number>;
  /** Suppression regions learned from the command centre's verdicts (edge/suppress/). */
  suppression?: RegionSource;
  /** What the models in shadow mode say of an event's frame: it travels with the event (`shadow`). */
  shadow?: (event: EdgeEvent, frame: CameraFrame) => Promise<ShadowVerdict[]>;
}

/** What `apply` did, by camera id. */
export interface AppliedChange {
  kept: string[];
  restarted: string[];
  started: string[];
  stopped: string[];
}

export interface CameraStatus extends CameraStats {
  analysis: CameraCounters;
  /** The clip buffer's recorder, when this camera records. */
  recorder?: RecorderStats;
}

interface RunningCamera {
  config: Readonly<CameraConfig>;
  /** Wall-clock ms at the pipeline's stream time 0. */
  startedAt: number;
  source: CameraSource;
  pipeline: CameraPipeline;
  /** The camera's health diagnosis (edge/health/); undefined when its config turns it off. */
  health: CameraHealthMonitor | undefined;
  loop: Promise<void>;
  /** The newest frame analysed, for the local API's snapshot. */
  latest: CameraFrame | undefined;
  recorder: SegmentRecorder | undefined;
}

/** Shadow verdicts an event carries at most (the contract's bound). */
const SHADOW_VERDICTS = 4;
/** Recent events kept in memory for the local API. */
const RECENT_EVENTS = 200;
/** How often incidents offered after a restart are checked, and open ones' last sighting noted. */
const TICK_MS = 1000;
/** Every this many ticks, what changed in the journal (when incidents were last seen) is written. */
const JOURNAL_FLUSH_TICKS = 5;

/**
 * A running edge box: every configured camera supervised (watchdog, reconnects) and analysed by
 * its pipeline, all cameras sharing one scheduler per model. Frames a camera cannot keep up with
 * are dropped (latest frame wins), never queued.
 */
export class EdgeNode {
  private readonly cameras: RunningCamera[] = [];
  private readonly recent: EdgeEvent[] = [];
  /** Per incident, the delivery of its latest event: the next one waits for it, keeping order. */
  private readonly deliveries = new Map<string, Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private ticks = 0;

  private constructor(
    private current: Readonly<EdgeConfig>,
    private models: ModelRegistry,
    private readonly options: EdgeNodeOptions,
    readonly startedAt: number,
  ) {}

  /** The configuration running now (changed by `apply`). */
  get config(): Readonly<EdgeConfig> {
    return this.current;
  }

  static async start(config: Readonly<EdgeConfig>, options: EdgeNodeOptions): Promise<EdgeNode> {
    const clock = options.clock ?? Date.now;
    const models = await ModelRegistry.load(config);
    const node = new EdgeNode(config, models, options, clock());
    for (const camera of config.cameras) node.cameras.push(node.startCamera(camera, clock));
    // Incidents of cameras no longer configured end now; the others were offered to their pipelines.
    for (const incident of options.journal?.found ?? []) {
      if (node.cameras.some((c) => c.config.id === incident.event.cameraId)) continue;
      if (incident.event.phase === 'end') node.emit(incident.event, undefined, true);
      else node.emit(endAfterRestart(incident.event, incident.lastSeenMs, clock()));
    }
    node.timer = setInterval(() => node.tick(clock()), TICK_MS);
    node.timer.unref();
    return node;
  }

  /** Ends incidents offered after a restart and not raised again in time; notes open ones' last sighting. */
  private tick(now: number): void {
    const journal = this.options.journal;
    for (const camera of this.cameras) {
      for (const event of camera.pipeline.expire((now - camera.startedAt) / 1000)) this.emit(event);
      const signal = camera.health?.observeSource(camera.source.state, (now - camera.startedAt) / 1000);
      for (const event of signal ?? []) this.emit(event, camera.latest);
      for (const open of camera.pipeline.openIncidents()) journal?.seen(open.incidentId, open.lastSeenMs);
    }
    if (++this.ticks % JOURNAL_FLUSH_TICKS === 0) void journal?.flush();
  }

  /**
   * Runs `next` in place of the running configuration without stopping the node: cameras whose
   * config and models are unchanged keep running untouched; changed ones are stopped (their open
   * incidents end) and started again with their new config; removed ones stop; added ones start.
   * Models are loaded first (those unchanged are kept): a model that cannot be loaded throws
   * before anything changed, and the running configuration stays.
   */
  async apply(next: Readonly<EdgeConfig>): Promise<AppliedChange> {
    const clock = this.options.clock ?? Date.now;
    const models = await ModelRegistry.load(next, { reuse: this.models });
    const running = new Map(this.cameras.map((camera) => [camera.config.id, camera]));
    const unchanged = (camera: Readonly<CameraConfig>) => {
      const before = running.get(camera.id);
      return (
        before !== undefined &&
        JSON.stringify(before.config) === JSON.stringify(camera) &&
        models.sameModelsFor(camera, this.models)
      );
    };
    const keep = new Set(next.cameras.filter(unchanged).map((camera) => camera.id));
    const leaving = this.cameras.filter((camera) => !keep.has(camera.config.id));
    await Promise.all(leaving.map((camera) => this.stopCamera(camera)));
    const previousModels = this.models;
    this.current = next;
    this.models = models;
    const cameras = next.cameras.map((camera) =>
      keep.has(camera.id)
        ? (running.get(camera.id) as RunningCamera)
        : this.startCamera(camera, clock, false),
    );
    this.cameras.splice(0, this.cameras.length, ...cameras);
    await previousModels.disposeReplaced(models);
    const ids = (list: readonly { id: string }[]) => list.map((c) => c.id);
    return {
      kept: [...keep],
      restarted: ids(next.cameras).filter((id) => running.has(id) && !keep.has(id)),
      started: ids(next.cameras).filter((id) => !running.has(id)),
      stopped: [...running.keys()].filter((id) => !next.cameras.some((c) => c.id === id)),
    };
  }

  /** Stops one camera: its source, its analysis (open incidents end), its clip recorder. */
  private async stopCamera(camera: RunningCamera): Promise<void> {
    await camera.source.stop();
    await camera.loop;
    for (const event of camera.pipeline.finish()) this.emit(event);
    for (const event of camera.health?.finish() ?? []) this.emit(event);
    await camera.recorder?.stop();
  }

  private startCamera(camera: Readonly<CameraConfig>, clock: () => number, resume = true): RunningCamera {
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
      suppression: options.suppression,
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
      startedAt,
      source,
      pipeline,
      health: startCameraHealth(config.edgeId, camera, { width, height }, startedAt),
      loop: Promise.resolve(),
      latest: undefined,
      recorder: this.startRecorder(camera),
    };
    if (options.evidence) this.describeCameraEvidence(running, { width, height });
    // Before the first frame: incidents this camera had open when the node last stopped unawares.
    for (const incident of resume ? (options.journal?.found ?? []) : []) {
      if (incident.event.cameraId !== camera.id) continue;
      // An end that was on its way: sent again as it was (the same eventId: a duplicate at most).
      if (incident.event.phase === 'end') this.emit(incident.event, undefined, true);
      const end = incident.event.phase === 'end' ? undefined : pipeline.resume(incident, clock());
      if (end) this.emit(end);
    }
    running.loop = (async () => {
      for await (const frame of source.frames()) {
        try {
          const time = (frame.wallTime - startedAt) / 1000;
          for (const event of running.health?.observeFrame(frame, time) ?? []) this.emit(event, frame);
          for (const event of await pipeline.process(frame, time)) this.emit(event, frame);
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

  private startRecorder(camera: Readonly<CameraConfig>): SegmentRecorder | undefined {
    const { evidence } = this.options;
    const clips = this.config.evidence.clips;
    const url = camera.source.recordUrl ?? camera.source.url;
    if (!evidence || !clips.enabled || /^https?:\/\//i.test(url)) return undefined;
    const recorder = new SegmentRecorder(
      {
        cameraId: camera.id,
        source: { ...camera.source, url },
        dir: path.join(this.config.dataDir, 'segments', camera.id),
        segmentSeconds: clips.segmentSeconds,
        maxBytes: Math.round(clips.bufferMaxMegabytes * 1024 * 1024),
        maxAgeSeconds: clips.bufferMaxMinutes * 60,
        backoffInitialSeconds: camera.watchdog.backoffInitialSeconds,
        backoffMaxSeconds: camera.watchdog.backoffMaxSeconds,
      },
      this.options.spaceShortfall ? { spaceShortfall: this.options.spaceShortfall } : {},
    );
    recorder.on('restart', (restart) =>
      this.options.onError?.(camera.id, new Error(`clip recorder restarts: ${restart.reason}`)),
    );
    return recorder.start();
  }

  /** Snapshots take the camera's own aspect ratio (probed once), at the analysed height. */
  private describeCameraEvidence(camera: RunningCamera, analysed: { width: number; height: number }): void {
    const stage = this.options.evidence as EvidenceStage;
    const zones = new Map(camera.config.zones.map((zone) => [zone.name, zone.points] as const));
    const describe = (size: { width: number; height: number }) =>
      stage.setCamera({
        cameraId: camera.config.id,
        snapshotSize: size,
        zones,
        ...(camera.recorder ? { clips: new ClipCutter(camera.recorder) } : {}),
      });
    describe(analysed);
    const url = camera.config.source.url;
    if (isStreamUrl(url) && !url.startsWith('rtsp')) return;
    probeVideo(url)
      .then(({ width, height }) => {
        if (width > 0 && height > 0) {
          describe({
            width: Math.round((analysed.height * width) / height / 2) * 2,
            height: analysed.height,
          });
        }
      })
      .catch(() => {
        // The camera's own watchdog reports an unreachable source; snapshots keep the analysed size.
      });
  }

  /** The cameras' clip-buffer recorders (to make room on a full disk). */
  recorders(): SegmentRecorder[] {
    return this.cameras.flatMap((camera) => (camera.recorder ? [camera.recorder] : []));
  }

  /**
   * Hands an event on once its evidence is attached. Events of one incident go out in order;
   * different incidents do not wait for each other (an end event waits for its clip's post-roll).
   * Every event is in the journal before it is delivered (an end with its evidence, so that a crash
   * before it is delivered sends that very end again); the incident leaves it once its end is.
   * `attached`: the event has its evidence already (an end sent again).
   */
  private emit(event: EdgeEvent, frame?: CameraFrame, attached = false): void {
    const { evidence, onEvent, onError, journal } = this.options;
    const previous = this.deliveries.get(event.incidentId) ?? Promise.resolve();
    const delivery = previous
      .then(() => (event.phase === 'end' ? undefined : journal?.opened(event)))
      .then(() => (attached ? event : this.withShadow(event, frame)))
      .then((shadowed) => (evidence && !attached ? evidence.attach(shadowed, frame) : shadowed))
      .then(async (complete) => {
        this.recent.push(complete);
        if (this.recent.length > RECENT_EVENTS) this.recent.shift();
        if (complete.phase === 'end') await journal?.opened(complete);
        else journal?.attached(complete);
        await onEvent(complete);
        if (complete.phase === 'end') await journal?.closed(complete.incidentId);
      })
      .catch((error: unknown) => onError?.(event.cameraId, error));
    this.deliveries.set(event.incidentId, delivery);
    void delivery.then(() => {
      if (this.deliveries.get(event.incidentId) === delivery) this.deliveries.delete(event.incidentId);
    });
  }

  /** The event with what the shadow models said of its frame; camera faults are left alone. */
  private async withShadow(event: EdgeEvent, frame: CameraFrame | undefined): Promise<EdgeEvent> {
    if (!frame || !this.options.shadow || event.type === 'camera_fault') return event;
    // A shadow model's failure costs its verdict, never the event.
    const shadow = await this.options.shadow(event, frame).catch(() => []);
    return shadow.length > 0 ? { ...event, shadow: shadow.slice(0, SHADOW_VERDICTS) } : event;
  }

  status(): CameraStatus[] {
    return this.cameras.map(({ source, pipeline, recorder }) => ({
      ...source.stats(),
      analysis: { ...pipeline.counters },
      ...(recorder ? { recorder: recorder.stats() } : {}),
    }));
  }

  modelStats(): ReturnType<ModelRegistry['stats']> {
    return this.models.stats();
  }

  loadedModels(): ReturnType<ModelRegistry['loaded']> {
    return this.models.loaded();
  }

  /**
   * Stops every camera, ends open incidents (their end events, with clips of what is buffered, go
   * to `onEvent` before this resolves), stops the recorders, frees the models.
   */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all(this.cameras.map((camera) => camera.source.stop()));
    await Promise.all(this.cameras.map((camera) => camera.loop));
    this.options.evidence?.stopping();
    for (const camera of this.cameras) {
      for (const event of [...camera.pipeline.finish(), ...(camera.health?.finish() ?? [])]) this.emit(event);
    }
    await Promise.all(this.deliveries.values());
    await this.options.journal?.flush();
    await Promise.all(this.cameras.map((camera) => camera.recorder?.stop()));
    await this.models.dispose();
  }
}
