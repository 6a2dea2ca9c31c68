import { EventEmitter } from 'node:events';
import { ffmpegPath } from '../../foundation/media/ffmpeg-binaries.ts';
import type { RawImage } from '../../foundation/media/frame.ts';
import { isNetworkSource, maskedErrorText } from '../../foundation/media/source-url.ts';
import {
  type RestartInfo,
  type RunOutcome,
  SupervisedProcess,
  type SupervisedRun,
} from '../../foundation/media/supervised-process.ts';
import { FrameWatchdog } from './camera-watchdog.ts';
import { buildFrameReaderArgs, splitFrames } from './ffmpeg-frame-reader.ts';
import { LatestSlot } from './latest-slot.ts';

/**
 * - `connecting`: ffmpeg started, no frame yet (also the state of a camera not started yet);
 * - `live`: frames arriving;
 * - `stalled`: the watchdog gave up on this run (no frame for `stallSeconds`, or the rate too low);
 *   ffmpeg is being stopped;
 * - `backing_off`: waiting before the next start (after a stall or after ffmpeg ended);
 * - `stopped`: `stop()` was called, or a file without `loop` was read to its end. Final.
 */
export type CameraState = 'connecting' | 'live' | 'stalled' | 'backing_off' | 'stopped';

export interface CameraSourceOptions {
  id: string;
  /** A file path, or a URL ffmpeg opens: rtsp://, rtsps://, http(s):// (MJPEG or any stream), … */
  url: string;
  /** Analysis rate: frames per second handed out, decimated inside ffmpeg. Default 5. */
  fps?: number;
  /** Detector input size: frames are scaled to it inside ffmpeg. */
  width: number;
  height: number;
  /** RTSP transport. Default `tcp` (no loss on busy networks, passes NAT and firewalls). */
  transport?: 'tcp' | 'udp';
  /** Files: start again at the end, as a simulated live camera. Ignored for network sources. */
  loop?: boolean;
  /** Files: read at the file's native rate instead of as fast as ffmpeg decodes. */
  realtime?: boolean;
  /** Hardware decoding: `-hwaccel X` (cuda, vaapi, qsv, auto…). Default: software decoding. */
  hwaccel?: string;
  /** Forced ffmpeg input format (`-f X`), e.g. `mpjpeg` or `mjpeg`; default: ffmpeg probes. */
  inputFormat?: string;
  /**
   * Stamp frames with their arrival time (`-use_wallclock_as_timestamps 1`). Default: true for
   * http(s) sources, whose usual payload (MJPEG) has no timestamps; false otherwise. Set it false for
   * HTTP streams that carry their own timestamps (HLS, MPEG-TS, MP4 over HTTP).
   */
  wallclockTimestamps?: boolean;
  /** Restart a run that has delivered no frame for this long. Default 10. */
  stallSeconds?: number;
  /**
   * Restart a run whose first frame has not come this long after ffmpeg started (connection plus
   * ffmpeg's probing of the stream, typically 1–3 s for RTSP). Default `stallSeconds`.
   */
  connectSeconds?: number;
  /** Network sources: ffmpeg's socket I/O timeout (RTSP `-timeout`, others `-rw_timeout`). Default `stallSeconds`. */
  timeoutSeconds?: number;
  /** Restart when the delivered rate over a window falls below this fraction of `fps`. Default 0.3. */
  minRateRatio?: number;
  /** Length of the rate windows, seconds. Default 10. */
  rateWindowSeconds?: number;
  /** Backoff before restart n (from 0): full jitter on `min(max, initial × 2^n)` seconds. Default 1. */
  backoffInitialSeconds?: number;
  /** Default 60. */
  backoffMaxSeconds?: number;
  /** After this long live without interruption, the backoff starts again from `backoffInitialSeconds`. Default 30. */
  healthySeconds?: number;
  /** Jitter source, values in [0, 1). Default `Math.random`. */
  random?: () => number;
  /** Wall clock in milliseconds since the epoch. Default `Date.now`. */
  clock?: () => number;
}

export interface CameraFrame extends RawImage {
  cameraId: string;
  /**
   * 0-based number of the frame among all the camera decoded, across restarts. A consumer that sees
   * a gap missed frames that were dropped because it was slower than the camera.
   */
  index: number;
  /** `index / fps`: seconds since the camera started, counted at the analysis rate. */
  time: number;
  /** When the frame arrived, from `clock` (ms since the epoch by default). */
  wallTime: number;
}

export interface CameraStats {
  id: string;
  state: CameraState;
  /** Frames ffmpeg delivered, across restarts. */
  framesDecoded: number;
  /** Frames a `frames()` consumer never saw because a newer one replaced them (summed over consumers). */
  framesDropped: number;
  /** ffmpeg starts after the first. */
  reconnects: number;
  /** Failures since the last healthy stretch: the exponent of the next backoff. */
  consecutiveFailures: number;
  /** `wallTime` of the newest frame, or null before the first. */
  lastFrameTime: number | null;
  /** Why the last run ended (URL credentials masked), or null. */
  lastError: string | null;
}

export interface CameraSourceEvents {
  /** Every state change. */
  state: [state: CameraState, previous: CameraState];
  /** Every frame decoded, synchronously as it arrives (keep listeners short). Never dropped. */
  frame: [frame: CameraFrame];
  /** A run ended and the camera will start ffmpeg again after `delaySeconds`. */
  restart: [info: RestartInfo];
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new RangeError(`camera option ${name} must be a positive number, got ${value}`);
  }
  return value;
}

/**
 * A supervised camera: runs ffmpeg (via `readFrames`) on `url` and hands out RGB frames of
 * `width`×`height` at `fps`, restarting ffmpeg whenever the stream breaks: ffmpeg exits for any
 * reason (server gone, network error, end of a network stream), no frame arrives for
 * `stallSeconds`, or the delivered rate stays under `minRateRatio × fps` over a rate window.
 * Restarts wait an exponential backoff with full jitter (`nextBackoff`), which starts again from
 * the initial delay once the camera has been live for `healthySeconds`.
 *
 * Frames come two ways:
 * - `frames()` (or `for await (const frame of camera)`): an async iterator with **latest-frame-only**
 *   delivery. The camera never waits for its consumer: a frame not yet taken when the next one
 *   arrives is replaced by it and counted in `framesDropped` (and shows as a gap in `index`). So a
 *   consumer slower than the camera (a detector that needs longer than 1/fps) works on the freshest
 *   frame, latency does not grow, and memory holds at most one waiting frame per consumer. A file
 *   read at full speed (no `realtime`) is therefore decimated to the consumer's pace too.
 * - the `frame` event, for each frame, synchronously.
 *
 * `start()` begins (`frames()` calls it); `stop()` kills ffmpeg and ends every iterator.
 */
export class CameraSource extends EventEmitter<CameraSourceEvents> {
  readonly id: string;
  readonly url: string;
  readonly fps: number;
  readonly width: number;
  readonly height: number;

  private readonly options: CameraSourceOptions;
  private readonly clock: () => number;
  private readonly network: boolean;
  private readonly process: SupervisedProcess;

  private currentState: CameraState = 'connecting';
  private readonly consumers = new Set<LatestSlot<CameraFrame>>();

  private framesDecoded = 0;
  private framesDropped = 0;
  private lastFrameTime: number | null = null;
  private lastError: string | null = null;

  constructor(options: CameraSourceOptions) {
    super();
    this.options = options;
    this.id = options.id;
    this.url = options.url;
    this.fps = positive('fps', options.fps ?? 5);
    this.width = positive('width', options.width);
    this.height = positive('height', options.height);
    const stallSeconds = positive('stallSeconds', options.stallSeconds ?? 10);
    for (const name of [
      'connectSeconds',
      'timeoutSeconds',
      'minRateRatio',
      'rateWindowSeconds',
      'backoffInitialSeconds',
      'backoffMaxSeconds',
      'healthySeconds',
    ] as const) {
      const value = options[name];
      if (value !== undefined) positive(name, value);
    }
    this.clock = options.clock ?? Date.now;
    this.network = isNetworkSource(options.url);
    this.process = new SupervisedProcess({
      command: () => ({ file: ffmpegPath(), args: this.ffmpegArgs(stallSeconds) }),
      backoff: {
        initialSeconds: options.backoffInitialSeconds ?? 1,
        maxSeconds: options.backoffMaxSeconds ?? 60,
      },
      watchdog: (startedAt) =>
        new FrameWatchdog(
          {
            fps: this.fps,
            stallSeconds,
            connectSeconds: options.connectSeconds ?? stallSeconds,
            minRateRatio: options.minRateRatio ?? 0.3,
            rateWindowSeconds: options.rateWindowSeconds ?? 10,
          },
          startedAt,
        ),
      watchdogIntervalMs: Math.min(
        1000,
        (Math.min(stallSeconds, options.connectSeconds ?? Infinity) * 1000) / 4,
      ),
      handle: (run) => this.readRun(run),
      clock: this.clock,
      random: options.random ?? Math.random,
    });
    this.process.on('stall', (reason) => {
      this.lastError = reason;
      this.setState('stalled');
    });
    this.process.on('restart', (info) => {
      this.lastError = info.reason;
      this.setState('backing_off');
      this.emit('restart', info);
    });
    this.process.on('stopped', () => {
      this.setState('stopped');
      for (const slot of this.consumers) slot.close();
    });
  }

  get state(): CameraState {
    return this.currentState;
  }

  stats(): CameraStats {
    const { restarts, consecutiveFailures } = this.process.counts();
    return {
      id: this.id,
      state: this.currentState,
      framesDecoded: this.framesDecoded,
      framesDropped: this.framesDropped,
      reconnects: restarts,
      consecutiveFailures,
      lastFrameTime: this.lastFrameTime,
      lastError: this.lastError,
    };
  }

  /** Starts supervising (once; later calls do nothing). */
  start(): this {
    this.process.start();
    return this;
  }

  /** Kills ffmpeg, ends every `frames()` iterator; resolves once ffmpeg has exited. Idempotent. */
  stop(): Promise<void> {
    return this.process.stop();
  }

  /**
   * Frames, latest only (see the class comment). Each call is an independent consumer. Breaking out
   * of the loop unsubscribes that consumer; the camera keeps running until `stop()`.
   */
  async *frames(): AsyncGenerator<CameraFrame, void, undefined> {
    const slot = new LatestSlot<CameraFrame>();
    if (this.process.stopping) return;
    this.consumers.add(slot);
    this.start();
    try {
      for (;;) {
        const frame = await slot.take();
        if (!frame) return;
        yield frame;
      }
    } finally {
      this.consumers.delete(slot);
    }
  }

  [Symbol.asyncIterator](): AsyncGenerator<CameraFrame, void, undefined> {
    return this.frames();
  }

  private setState(state: CameraState): void {
    const previous = this.currentState;
    if (previous === state) return;
    this.currentState = state;
    this.emit('state', state, previous);
  }

  private ffmpegArgs(stallSeconds: number): string[] {
    const o = this.options;
    return buildFrameReaderArgs({
      source: this.url,
      fps: this.fps,
      width: this.width,
      height: this.height,
      loop: !this.network && o.loop,
      realtime: !this.network && o.realtime,
      rtspTransport: o.transport ?? 'tcp',
      ioTimeoutSeconds: o.timeoutSeconds ?? stallSeconds,
      hwaccel: o.hwaccel,
      inputFormat: o.inputFormat,
      wallclockTimestamps: o.wallclockTimestamps ?? /^https?:\/\//i.test(this.url),
    });
  }

  /** Delivers one ffmpeg run's frames and says what its end means. */
  private async readRun(run: SupervisedRun): Promise<RunOutcome> {
    this.setState('connecting');
    const healthyMs = (this.options.healthySeconds ?? 30) * 1000;
    let liveSince: number | undefined;
    const stdout = run.child.stdout as NodeJS.ReadableStream as AsyncIterable<Buffer>;
    for await (const data of splitFrames(stdout, this.width * this.height * 3)) {
      if (run.signal.aborted) continue;
      const now = this.clock();
      run.progress(now);
      if (liveSince === undefined) {
        liveSince = now;
        this.setState('live');
      } else if (now - liveSince >= healthyMs) {
        run.healthy();
      }
      this.deliver(data, now);
    }
    const { code, stderr } = await run.exited;
    if (code !== 0) {
      const detail = stderr.trim() || 'no message';
      return {
        kind: 'failed',
        reason: maskedErrorText(`ffmpeg exited with code ${code} reading ${this.url}: ${detail}`),
      };
    }
    if (!this.network && !this.options.loop) return { kind: 'ended' };
    return {
      kind: 'failed',
      reason: liveSince === undefined ? 'stream ended before a frame' : 'stream ended',
    };
  }

  private deliver(data: Uint8Array, now: number): void {
    const index = this.framesDecoded;
    this.framesDecoded += 1;
    this.lastFrameTime = now;
    const frame: CameraFrame = {
      cameraId: this.id,
      data,
      width: this.width,
      height: this.height,
      index,
      time: index / this.fps,
      wallTime: now,
    };
    for (const slot of this.consumers) {
      if (slot.put(frame)) this.framesDropped += 1;
    }
    try {
      this.emit('frame', frame);
    } catch (error) {
      // A listener's bug is not a stream failure: report it as an uncaught error, outside the run.
      process.nextTick(() => {
        throw error;
      });
    }
  }
}
