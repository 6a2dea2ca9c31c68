import { EventEmitter } from 'node:events';
import { rename, stat, unlink } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { ffmpegPath } from '../../foundation/media/ffmpeg-binaries.ts';
import { isNetworkSource, maskedErrorText } from '../../foundation/media/source-url.ts';
import {
  type RestartInfo,
  type RunOutcome,
  SupervisedProcess,
  type SupervisedRun,
  type Watchdog,
} from '../../foundation/media/supervised-process.ts';
import { buildRecorderArgs } from './recorder-args.ts';
import { parseRecorderOptions, type RecorderOptions, type RecorderOptionsInput } from './recorder-options.ts';
import { leftoverSegments, readSegmentFolder, type SegmentFolder, salvageSegment } from './segment-folder.ts';
import { SegmentIndex } from './segment-index.ts';
import {
  type ClosedSegmentLine,
  parseSegmentListLine,
  type RecordedSegment,
  StreamClock,
  segmentFileName,
} from './segment-list.ts';

/**
 * - `starting`: ffmpeg started, no segment closed yet in this run;
 * - `recording`: segments closing;
 * - `backing_off`: ffmpeg ended or stalled; waiting before the next start;
 * - `stopped`: `stop()` was called, or a file without `loop` was recorded to its end. Final.
 */
export type RecorderState = 'starting' | 'recording' | 'backing_off' | 'stopped';

export interface RecorderStats {
  cameraId: string;
  state: RecorderState;
  /** Closed segments held, and their bytes (the one being written is not counted). */
  segments: number;
  bytes: number;
  /** Wall-clock ms of the oldest buffered instant and of the newest, or null when nothing is held. */
  oldestStartMs: number | null;
  lastSegmentEndMs: number | null;
  /** ffmpeg starts after the first. */
  restarts: number;
  /** Failures since the last healthy stretch: the exponent of the next backoff. */
  consecutiveFailures: number;
  /** Segments deleted by retention since start. */
  deletedSegments: number;
  /** Why the last run ended or the last file operation failed (URL credentials masked), or null. */
  lastError: string | null;
}

export interface RecorderEvents {
  state: [state: RecorderState, previous: RecorderState];
  /** A segment was closed and is in the buffer. */
  segment: [segment: RecordedSegment];
  restart: [info: RestartInfo];
}

/** What a clip cutter needs from a camera's recording. */
export interface SegmentBuffer {
  readonly cameraId: string;
  /** Closed segments, oldest first. */
  segments(): readonly RecordedSegment[];
  /** Keeps retention off segments overlapping [fromMs, toMs] until the returned release is called. */
  pin(fromMs: number, toMs: number): () => void;
  /** Whether more segments may still come. */
  readonly active: boolean;
  /**
   * The earliest wall-clock time (ms) that a segment still to close may cover: the start of the one
   * being written, or now when none is. Anything earlier and not in `segments()` will never be.
   */
  recordingFromMs(): number;
  /** Calls `listener` after each closed segment and state change; returns the unsubscribe. */
  subscribe(listener: () => void): () => void;
}

export interface RecorderHooks {
  /** Wall clock, ms since the epoch. Default `Date.now`. */
  clock?: () => number;
  /** Backoff jitter, values in [0, 1). Default `Math.random`. */
  random?: () => number;
  /**
   * Bytes the disk is short of the space it keeps free for events (0: none). Retention then also
   * deletes that much of the oldest video: the clip buffer gives way before the outbox does.
   */
  spaceShortfall?: () => Promise<number>;
}

/**
 * Records one camera into a rolling buffer of short MPEG-TS segments, copying its original video
 * stream (no decode, no encode), so evidence clips can be cut from it afterwards. ffmpeg is
 * supervised as cameras are: restarted whenever it exits or no segment closes for `stallSeconds`,
 * after an exponential backoff with full jitter. Retention keeps the buffer within `maxBytes` and
 * `maxAgeSeconds`, oldest first, never touching the segment being written or one pinned by a cut.
 */
export class SegmentRecorder extends EventEmitter<RecorderEvents> implements SegmentBuffer {
  readonly cameraId: string;
  readonly dir: string;
  private readonly options: RecorderOptions;
  private readonly clock: () => number;
  private readonly spaceShortfall: (() => Promise<number>) | undefined;
  private readonly process: SupervisedProcess;

  private readonly index = new SegmentIndex();
  private currentState: RecorderState = 'starting';
  /** Whether the folder's earlier content has been taken over. */
  private adopted = false;
  private deletedSegments = 0;
  private lastSegmentEndMs: number | null = null;
  /** Start of the segment being written, while ffmpeg runs. */
  private writingFromMs: number | null = null;
  private lastError: string | null = null;

  /** Throws ClipError RECORDER_OPTIONS_INVALID or RECORDER_SOURCE_UNSUPPORTED. */
  constructor(options: RecorderOptionsInput, hooks: RecorderHooks = {}) {
    super();
    this.options = parseRecorderOptions(options);
    this.cameraId = this.options.cameraId;
    this.dir = resolve(this.options.dir);
    this.clock = hooks.clock ?? Date.now;
    this.spaceShortfall = hooks.spaceShortfall;
    const stallMs = (this.options.stallSeconds ?? Math.max(30, 4 * this.options.segmentSeconds)) * 1000;
    this.process = new SupervisedProcess({
      command: (startedAt) => ({
        file: ffmpegPath(),
        args: buildRecorderArgs(this.options, `run-${startedAt}-`),
      }),
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
      // ffmpeg closes the segment being written on SIGINT, and that segment joins the buffer.
      stopSignal: 'SIGINT',
      stopGraceMs: 5000,
      backoff: {
        initialSeconds: this.options.backoffInitialSeconds,
        maxSeconds: this.options.backoffMaxSeconds,
      },
      watchdog: (startedAt) => silenceWatchdog(startedAt, stallMs),
      watchdogIntervalMs: Math.min(1000, stallMs / 4),
      // The folder may be on a disk not mounted yet: that is retried like a camera that is down.
      prepare: async () => {
        this.adopted ||= await this.adoptExisting();
        return this.adopted ? undefined : (this.lastError ?? 'segment folder unusable');
      },
      handle: (run) => this.record(run),
      cleanup: async () => {
        if (this.adopted) await this.salvageLeftovers();
        this.writingFromMs = null;
      },
      clock: this.clock,
      random: hooks.random ?? Math.random,
    });
    this.process.on('restart', (info) => {
      this.lastError = info.reason;
      this.setState('backing_off');
      this.emit('restart', info);
    });
    this.process.on('stopped', () => this.setState('stopped'));
  }

  get state(): RecorderState {
    return this.currentState;
  }

  get active(): boolean {
    return !this.process.stopping && this.currentState !== 'stopped';
  }

  stats(): RecorderStats {
    return {
      cameraId: this.cameraId,
      state: this.currentState,
      segments: this.index.count,
      bytes: this.index.bytes(),
      oldestStartMs: this.index.oldestStartMs(),
      lastSegmentEndMs: this.lastSegmentEndMs,
      ...this.process.counts(),
      deletedSegments: this.deletedSegments,
      lastError: this.lastError,
    };
  }

  segments(): readonly RecordedSegment[] {
    return this.index.all();
  }

  recordingFromMs(): number {
    return this.writingFromMs ?? this.clock();
  }

  pin(fromMs: number, toMs: number): () => void {
    return this.index.pin(fromMs, toMs);
  }

  subscribe(listener: () => void): () => void {
    this.on('segment', listener);
    this.on('state', listener);
    return () => {
      this.off('segment', listener);
      this.off('state', listener);
    };
  }

  /** Starts recording (once; later calls do nothing). */
  start(): this {
    this.process.start();
    return this;
  }

  /**
   * Asks ffmpeg to finish (SIGINT: it closes the segment being written, which joins the buffer),
   * killing it if it has not within 5 s. Resolves once it has exited. Idempotent.
   */
  stop(): Promise<void> {
    return this.process.stop();
  }

  private setState(state: RecorderState): void {
    const previous = this.currentState;
    if (previous === state) return;
    this.currentState = state;
    this.emit('state', state, previous);
  }

  /** Files the segments one ffmpeg run closes, and says what its end means. */
  private async record(run: SupervisedRun): Promise<RunOutcome> {
    this.setState('starting');
    const streamClock = new StreamClock();
    const runStart = run.startedAt;
    this.writingFromMs = runStart;
    run.child.stdout?.resume();
    const healthyMs = this.options.healthySeconds * 1000;
    let closing = Promise.resolve();
    let previousEnd: number | undefined;
    let unconfirmed: { endSeconds: number; seenMs: number } | undefined;
    const lines = createInterface({ input: run.child.stdio[3] as NodeJS.ReadableStream });
    lines.on('line', (text) => {
      const seenMs = this.clock();
      const parsed = parseSegmentListLine(text);
      if (!parsed) return;
      // A run's segments follow each other with nothing between them; taking each start from the
      // previous end keeps them so where reordered (B-) frames make ffmpeg's times overlap or part.
      const line = { ...parsed, start: Math.min(previousEnd ?? parsed.start, parsed.end) };
      previousEnd = parsed.end;
      run.progress(seenMs);
      if (seenMs - runStart >= healthyMs) run.healthy();
      // A segment closed because the run ended (stop, end of stream, error) ends at its last packet,
      // not at a keyframe that has just arrived: its close dates nothing. So each close calibrates the
      // clock only once the next one shows it was not the last, except the first, which is all there is.
      if (unconfirmed) streamClock.observe(unconfirmed.endSeconds, unconfirmed.seenMs);
      unconfirmed = { endSeconds: parsed.end, seenMs };
      if (!streamClock.calibrated) streamClock.observe(parsed.end, seenMs);
      closing = closing.then(() => this.closeSegment(line, streamClock));
    });

    const { code, signal, error, stderr } = await run.exited;
    await closing;
    if (error) return { kind: 'failed', reason: `cannot run ffmpeg: ${maskedErrorText(error)}` };
    if (code === null) return { kind: 'failed', reason: `ffmpeg was killed by ${signal ?? 'a signal'}` };
    if (code !== 0) {
      const detail = stderr.trim().split('\n').slice(-3).join(' | ') || 'no message';
      return { kind: 'failed', reason: maskedErrorText(`ffmpeg exited with code ${code}: ${detail}`) };
    }
    if (!isNetworkSource(this.options.source.url) && !this.options.source.loop) return { kind: 'ended' };
    return { kind: 'failed', reason: 'stream ended' };
  }

  /**
   * The segment a killed ffmpeg left unclosed (no ffmpeg runs now, so every `run-…` file is one).
   * It began where the run's last closed segment ended.
   */
  private async salvageLeftovers(): Promise<void> {
    try {
      for (const file of await leftoverSegments(this.dir)) {
        const segment = await salvageSegment(file, this.writingFromMs ?? undefined);
        if (segment) this.add(segment);
      }
    } catch (error) {
      this.lastError = `salvaging in ${this.dir}: ${maskedErrorText(error)}`;
    }
  }

  private async closeSegment(line: ClosedSegmentLine, streamClock: StreamClock): Promise<void> {
    const startMs = Math.round(streamClock.wallMs(line.start));
    const endMs = Math.round(streamClock.wallMs(line.end));
    const written = join(this.dir, basename(line.name));
    try {
      if (endMs - startMs < 1) {
        await unlink(written);
        return;
      }
      const file = join(this.dir, segmentFileName(startMs, endMs));
      await rename(written, file);
      const { size } = await stat(file);
      this.add({ file, startMs, endMs, bytes: size });
      this.writingFromMs = endMs;
    } catch (error) {
      this.lastError = `segment ${written}: ${maskedErrorText(error)}`;
      return;
    }
    this.setState('recording');
    await this.applyRetention();
  }

  private add(segment: RecordedSegment): void {
    this.index.add(segment);
    this.lastSegmentEndMs = Math.max(this.lastSegmentEndMs ?? -Infinity, segment.endMs);
    this.emit('segment', segment);
  }

  /**
   * Deletes the oldest segments (never one a cut holds) to free at least `bytes` now, beyond the
   * buffer's own limits: a full disk takes video before events. Returns the bytes freed.
   */
  async trim(bytes: number): Promise<number> {
    if (!(bytes > 0)) return 0;
    return this.retire(this.index.bytes() - bytes);
  }

  private async applyRetention(): Promise<void> {
    const short = (await this.spaceShortfall?.().catch(() => 0)) ?? 0;
    await this.retire(short > 0 ? this.index.bytes() - short : this.options.maxBytes);
  }

  private async retire(maxBytes: number): Promise<number> {
    // Out of the index before the files go, so that no cut picks a segment being deleted.
    const doomed = this.index.retire({
      maxBytes: Math.min(maxBytes, this.options.maxBytes),
      maxAgeMs: this.options.maxAgeSeconds * 1000,
      nowMs: this.clock(),
    });
    this.deletedSegments += doomed.length;
    let freed = 0;
    for (const segment of doomed) {
      try {
        await unlink(segment.file);
        freed += segment.bytes;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') this.lastError = maskedErrorText(error);
      }
    }
    return freed;
  }

  /**
   * Takes over what an earlier recorder left in the folder: closed segments as they are, and the
   * segment a killed ffmpeg was writing, dated by its modification time and probed length.
   * False (with `lastError`) when the folder cannot be created or read.
   */
  private async adoptExisting(): Promise<boolean> {
    let folder: SegmentFolder;
    try {
      folder = await readSegmentFolder(this.dir);
    } catch (error) {
      this.lastError = `segment folder ${this.dir}: ${maskedErrorText(error)}`;
      return false;
    }
    for (const segment of folder.segments) this.add(segment);
    for (const file of folder.leftovers) {
      try {
        const segment = await salvageSegment(file);
        if (segment) this.add(segment);
      } catch (error) {
        folder.problems.push(`${file}: ${maskedErrorText(error)}`);
      }
    }
    if (folder.problems.length > 0) this.lastError = `adopting segments: ${folder.problems.join('; ')}`;
    await this.applyRetention();
    return true;
  }
}

/** Stalled once no segment has closed for `stallMs`, counting from the run's start. */
function silenceWatchdog(startedAt: number, stallMs: number): Watchdog {
  let lastProgress = startedAt;
  return {
    progress: (now) => {
      lastProgress = now;
    },
    check: (now) => {
      const silentMs = now - lastProgress;
      if (silentMs < stallMs) return undefined;
      return { message: `no segment closed for ${(silentMs / 1000).toFixed(1)} s` };
    },
  };
}
