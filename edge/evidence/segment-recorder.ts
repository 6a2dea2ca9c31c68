import { type ChildProcess, spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { rename, stat, unlink } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { ffmpegPath } from '../../foundation/media/ffmpeg-binaries.ts';
import { nextBackoff } from '../../foundation/util/backoff.ts';
import { maskCredentials } from '../ingest/camera-source.ts';
import { isNetworkSource } from '../ingest/ffmpeg-frame-reader.ts';
import { buildRecorderArgs } from './recorder-args.ts';
import { parseRecorderOptions, type RecorderOptions, type RecorderOptionsInput } from './recorder-options.ts';
import { leftoverSegments, readSegmentFolder, type SegmentFolder, salvageSegment } from './segment-folder.ts';
import {
  type ClosedSegmentLine,
  parseSegmentListLine,
  type RecordedSegment,
  StreamClock,
  segmentFileName,
} from './segment-list.ts';
import { planRetention } from './segment-retention.ts';

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

export interface RecorderRestart {
  reason: string;
  attempt: number;
  delaySeconds: number;
}

export interface RecorderEvents {
  state: [state: RecorderState, previous: RecorderState];
  /** A segment was closed and is in the buffer. */
  segment: [segment: RecordedSegment];
  restart: [info: RecorderRestart];
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
}

type RunOutcome = { kind: 'stopped' } | { kind: 'ended' } | { kind: 'failed'; reason: string };

const STOP_GRACE_MS = 5000;

function errorText(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return maskCredentials(text.length > 1000 ? `${text.slice(0, 1000)}…` : text);
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
  private readonly random: () => number;
  private readonly stallMs: number;

  private readonly index: RecordedSegment[] = [];
  private readonly pins = new Map<number, { fromMs: number; toMs: number }>();
  private nextPin = 0;
  private currentState: RecorderState = 'starting';
  private started = false;
  private stopping = false;
  private supervisor: Promise<void> | undefined;
  private child: ChildProcess | undefined;
  private wakeFromBackoff: (() => void) | undefined;

  private restarts = 0;
  private failures = 0;
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
    this.random = hooks.random ?? Math.random;
    this.stallMs = (this.options.stallSeconds ?? Math.max(30, 4 * this.options.segmentSeconds)) * 1000;
  }

  get state(): RecorderState {
    return this.currentState;
  }

  get active(): boolean {
    return !this.stopping && this.currentState !== 'stopped';
  }

  stats(): RecorderStats {
    let bytes = 0;
    for (const s of this.index) bytes += s.bytes;
    return {
      cameraId: this.cameraId,
      state: this.currentState,
      segments: this.index.length,
      bytes,
      oldestStartMs: this.index[0]?.startMs ?? null,
      lastSegmentEndMs: this.lastSegmentEndMs,
      restarts: this.restarts,
      consecutiveFailures: this.failures,
      deletedSegments: this.deletedSegments,
      lastError: this.lastError,
    };
  }

  segments(): readonly RecordedSegment[] {
    return [...this.index];
  }

  recordingFromMs(): number {
    return this.writingFromMs ?? this.clock();
  }

  pin(fromMs: number, toMs: number): () => void {
    const id = this.nextPin++;
    this.pins.set(id, { fromMs, toMs });
    return () => {
      this.pins.delete(id);
    };
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
    if (this.started || this.stopping) return this;
    this.started = true;
    this.supervisor = this.supervise();
    return this;
  }

  /**
   * Asks ffmpeg to finish (SIGINT: it closes the segment being written, which joins the buffer),
   * killing it if it has not within 5 s. Resolves once it has exited. Idempotent.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.child) this.terminate(this.child);
    this.wakeFromBackoff?.();
    if (this.supervisor) await this.supervisor;
    else this.setState('stopped');
  }

  private setState(state: RecorderState): void {
    const previous = this.currentState;
    if (previous === state) return;
    this.currentState = state;
    this.emit('state', state, previous);
  }

  private async supervise(): Promise<void> {
    try {
      let adopted = false;
      for (let first = true; !this.stopping; first = false) {
        if (!first) this.restarts += 1;
        // The folder may be on a disk not mounted yet: that is retried like a camera that is down.
        adopted ||= await this.adoptExisting();
        const outcome: RunOutcome = adopted
          ? await this.runOnce()
          : { kind: 'failed', reason: this.lastError ?? 'segment folder unusable' };
        if (adopted) await this.salvageLeftovers();
        this.writingFromMs = null;
        if (outcome.kind !== 'failed' || this.stopping) break;
        this.lastError = outcome.reason;
        const attempt = this.failures;
        const delaySeconds = nextBackoff(
          attempt,
          { initialSeconds: this.options.backoffInitialSeconds, maxSeconds: this.options.backoffMaxSeconds },
          this.random,
        );
        this.failures += 1;
        this.setState('backing_off');
        this.emit('restart', { reason: outcome.reason, attempt, delaySeconds });
        await this.sleep(delaySeconds * 1000);
      }
    } finally {
      this.setState('stopped');
    }
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.wakeFromBackoff = undefined;
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.wakeFromBackoff = wake;
    });
  }

  private terminate(child: ChildProcess): void {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGINT');
    const killer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    child.once('close', () => clearTimeout(killer));
  }

  /** One ffmpeg process, from start to its end. Never throws. */
  private async runOnce(): Promise<RunOutcome> {
    this.setState('starting');
    const streamClock = new StreamClock();
    const runStart = this.clock();
    this.writingFromMs = runStart;
    const child = spawn(ffmpegPath(), buildRecorderArgs(this.options, `run-${runStart}-`), {
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout?.resume();
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    const exited = new Promise<{ code: number | null; signal?: string | null; error?: Error }>((done) => {
      child.once('error', (error) => done({ code: null, error }));
      child.once('close', (code, signal) => done({ code, signal }));
    });
    if (this.stopping) this.terminate(child);

    let lastProgress = runStart;
    let stalled: string | undefined;
    const ticker = setInterval(
      () => {
        const silentMs = this.clock() - lastProgress;
        if (stalled || silentMs < this.stallMs) return;
        stalled = `no segment closed for ${(silentMs / 1000).toFixed(1)} s`;
        this.terminate(child);
      },
      Math.min(1000, this.stallMs / 4),
    );

    let closing = Promise.resolve();
    let previousEnd: number | undefined;
    let unconfirmed: { endSeconds: number; seenMs: number } | undefined;
    const lines = createInterface({ input: child.stdio[3] as NodeJS.ReadableStream });
    lines.on('line', (text) => {
      const seenMs = this.clock();
      const parsed = parseSegmentListLine(text);
      if (!parsed) return;
      // A run's segments follow each other with nothing between them; taking each start from the
      // previous end keeps them so where reordered (B-) frames make ffmpeg's times overlap or part.
      const line = { ...parsed, start: Math.min(previousEnd ?? parsed.start, parsed.end) };
      previousEnd = parsed.end;
      lastProgress = seenMs;
      if (this.failures > 0 && seenMs - runStart >= this.options.healthySeconds * 1000) this.failures = 0;
      // A segment closed because the run ended (stop, end of stream, error) ends at its last packet,
      // not at a keyframe that has just arrived: its close dates nothing. So each close calibrates the
      // clock only once the next one shows it was not the last, except the first, which is all there is.
      if (unconfirmed) streamClock.observe(unconfirmed.endSeconds, unconfirmed.seenMs);
      unconfirmed = { endSeconds: parsed.end, seenMs };
      if (!streamClock.calibrated) streamClock.observe(parsed.end, seenMs);
      closing = closing.then(() => this.closeSegment(line, streamClock));
    });

    const { code, signal, error } = await exited;
    clearInterval(ticker);
    await closing;
    this.child = undefined;

    if (this.stopping) return { kind: 'stopped' };
    if (stalled) return { kind: 'failed', reason: stalled };
    if (error) return { kind: 'failed', reason: `cannot run ffmpeg: ${errorText(error)}` };
    if (code === null) return { kind: 'failed', reason: `ffmpeg was killed by ${signal ?? 'a signal'}` };
    if (code !== 0) {
      const detail = stderr.trim().split('\n').slice(-3).join(' | ') || 'no message';
      return { kind: 'failed', reason: errorText(`ffmpeg exited with code ${code}: ${detail}`) };
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
      this.lastError = `salvaging in ${this.dir}: ${errorText(error)}`;
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
      this.lastError = `segment ${written}: ${errorText(error)}`;
      return;
    }
    this.setState('recording');
    await this.applyRetention();
  }

  private add(segment: RecordedSegment): void {
    let at = this.index.length;
    while (at > 0 && (this.index[at - 1] as RecordedSegment).startMs > segment.startMs) at -= 1;
    this.index.splice(at, 0, segment);
    this.lastSegmentEndMs = Math.max(this.lastSegmentEndMs ?? -Infinity, segment.endMs);
    this.emit('segment', segment);
  }

  private isPinned(segment: RecordedSegment): boolean {
    for (const pin of this.pins.values()) {
      if (segment.startMs <= pin.toMs && segment.endMs >= pin.fromMs) return true;
    }
    return false;
  }

  private async applyRetention(): Promise<void> {
    const doomed = planRetention(this.index, {
      maxBytes: this.options.maxBytes,
      maxAgeMs: this.options.maxAgeSeconds * 1000,
      nowMs: this.clock(),
      isPinned: (s) => this.isPinned(s),
    });
    // Out of the index before the files go, so that no cut picks a segment being deleted.
    this.index.splice(0, doomed.length);
    this.deletedSegments += doomed.length;
    for (const segment of doomed) {
      try {
        await unlink(segment.file);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') this.lastError = errorText(error);
      }
    }
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
      this.lastError = `segment folder ${this.dir}: ${errorText(error)}`;
      return false;
    }
    for (const segment of folder.segments) this.add(segment);
    for (const file of folder.leftovers) {
      try {
        const segment = await salvageSegment(file);
        if (segment) this.add(segment);
      } catch (error) {
        folder.problems.push(`${file}: ${errorText(error)}`);
      }
    }
    if (folder.problems.length > 0) this.lastError = `adopting segments: ${folder.problems.join('; ')}`;
    await this.applyRetention();
    return true;
  }
}
