import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { promisify } from 'node:util';
import { ffmpegPath } from '../../foundation/media/ffmpeg-binaries.ts';
import { probeVideo } from '../../foundation/media/ffprobe.ts';
import { ClipError, describeRanges, isoTime } from './clip-errors.ts';
import { bufferedRanges, type RecordedSegment } from './segment-list.ts';
import type { SegmentBuffer } from './segment-recorder.ts';

const run = promisify(execFile);

export interface ClipRequest {
  /** Wall-clock interval the clip must cover (event start minus pre-roll, end plus post-roll). */
  from: Date;
  to: Date;
  /** Where the MP4 goes; its folder is created. Written under a temporary name, then renamed. */
  outFile: string;
  /** How long to wait for the segments covering `to` when it lies in the future. Default: until `to` plus 30 s. */
  timeoutMs?: number;
  /**
   * Settle for part of the interval once the rest cannot be had (deleted, never recorded, the
   * camera dropped, the recorder stopped, or the wait timed out): the clip is then the longest
   * unbroken buffered stretch inside the interval, and `complete` is false. An event whose camera
   * failed during its post-roll keeps its evidence. Default false: CLIP_NOT_BUFFERED or CLIP_TIMEOUT.
   */
  partial?: boolean;
}

export interface ClipResult {
  file: string;
  /** Wall-clock time of the clip's first frame: the keyframe at or before `from`. */
  start: Date;
  /** `start` plus the clip's duration: at or after `to`. */
  end: Date;
  /** As ffprobe reads it from the written file. */
  durationSeconds: number;
  bytes: number;
  /** Buffered segments the clip was joined from. */
  segments: number;
  /** False when `partial` was asked for and the clip covers only part of the interval. */
  complete: boolean;
}

interface Selection {
  segments: RecordedSegment[];
  complete: boolean;
}

export interface ClipCutterOptions {
  /**
   * Gaps and shortfalls up to this long still count as covered: segment times come from a clock
   * estimate with a few ms of jitter. Default 250 ms.
   */
  toleranceMs?: number;
  /** Kill ffmpeg when a cut takes longer than this. Default 60 s. */
  ffmpegTimeoutMs?: number;
}

export type Coverage =
  | { ok: true; segments: RecordedSegment[] }
  | { ok: false; missing: 'start' }
  /** Covered without a break from `from` up to `coveredUntilMs` only. */
  | { ok: false; missing: 'rest'; coveredUntilMs: number };

/** The segments that cover [fromMs, toMs] without a break, or how far they do. */
export function selectCoveringSegments(
  segments: readonly RecordedSegment[],
  fromMs: number,
  toMs: number,
  toleranceMs: number,
): Coverage {
  const chosen = segments.filter((s) => s.endMs > fromMs && s.startMs < toMs);
  const first = chosen[0];
  if (!first || first.startMs > fromMs + toleranceMs) return { ok: false, missing: 'start' };
  let coveredUntilMs = first.endMs;
  for (const s of chosen.slice(1)) {
    if (s.startMs > coveredUntilMs + toleranceMs) break;
    coveredUntilMs = Math.max(coveredUntilMs, s.endMs);
  }
  if (coveredUntilMs < toMs - toleranceMs) return { ok: false, missing: 'rest', coveredUntilMs };
  return { ok: true, segments: chosen };
}

/** The unbroken stretch of buffered segments that covers most of [fromMs, toMs]; [] when none touches it. */
export function longestCoveredStretch(
  segments: readonly RecordedSegment[],
  fromMs: number,
  toMs: number,
  toleranceMs: number,
): RecordedSegment[] {
  const overlap = (stretch: RecordedSegment[]): number =>
    Math.min(toMs, (stretch.at(-1) as RecordedSegment).endMs) -
    Math.max(fromMs, (stretch[0] as RecordedSegment).startMs);
  let best: RecordedSegment[] = [];
  let current: RecordedSegment[] = [];
  for (const s of segments.filter((s) => s.endMs > fromMs && s.startMs < toMs)) {
    const last = current.at(-1);
    if (last && s.startMs > last.endMs + toleranceMs) current = [];
    current.push(s);
    if (best.length === 0 || overlap(current) > overlap(best)) best = [...current];
  }
  return best;
}

/** `file '…'` lines of ffmpeg's concat demuxer, quoting as its parser expects. */
function concatList(files: readonly string[]): string {
  const quoted = files.map((f) => `file '${f.replaceAll("'", "'\\''")}'`);
  return `ffconcat version 1.0\n${quoted.join('\n')}\n`;
}

/**
 * Cuts evidence clips of one camera from its segment buffer: the segments covering the interval
 * joined by ffmpeg's concat demuxer and copied, not re-encoded, into an MP4 with its index first
 * (`+faststart`) so a browser plays it while downloading. Without re-encoding a clip can only begin
 * at a keyframe, so it begins at the one at or before `from`; its tail is trimmed at `to`.
 */
export class ClipCutter {
  private readonly toleranceMs: number;
  private readonly ffmpegTimeoutMs: number;

  constructor(
    private readonly buffer: SegmentBuffer,
    options: ClipCutterOptions = {},
  ) {
    this.toleranceMs = options.toleranceMs ?? 250;
    this.ffmpegTimeoutMs = options.ffmpegTimeoutMs ?? 60_000;
  }

  /**
   * Throws ClipError: CLIP_INTERVAL_INVALID, CLIP_NOT_BUFFERED (naming the interval and what is
   * buffered), CLIP_TIMEOUT (post-roll not recorded in time), CLIP_CUT_FAILED.
   */
  async cut(request: ClipRequest): Promise<ClipResult> {
    const fromMs = request.from.getTime();
    const toMs = request.to.getTime();
    const camera = this.buffer.cameraId;
    if (!Number.isFinite(fromMs) || !Number.isFinite(toMs) || fromMs >= toMs) {
      throw new ClipError(
        'CLIP_INTERVAL_INVALID',
        `camera ${camera}: clip from ${isoTime(fromMs)} to ${isoTime(toMs)}: need two valid dates, from before to`,
      );
    }
    const release = this.buffer.pin(fromMs, toMs);
    try {
      const chosen = await this.awaitCoverage(fromMs, toMs, request.timeoutMs, request.partial ?? false);
      return await this.join(chosen, toMs, resolve(request.outFile));
    } finally {
      release();
    }
  }

  private notBuffered(fromMs: number, toMs: number, missing: string): ClipError {
    const buffered = bufferedRanges(this.buffer.segments(), this.toleranceMs);
    return new ClipError(
      'CLIP_NOT_BUFFERED',
      `camera ${this.buffer.cameraId}: ${isoTime(fromMs)} – ${isoTime(toMs)} is not buffered (${missing}); buffered: ${describeRanges(buffered)}`,
      { buffered },
    );
  }

  private awaitCoverage(fromMs: number, toMs: number, timeoutMs: number | undefined, partial: boolean) {
    const limitMs = timeoutMs ?? Math.max(0, toMs - Date.now()) + 30_000;
    return new Promise<Selection>((done, fail) => {
      let unsubscribe = (): void => undefined;
      const settle = (verdict: Selection | ClipError): void => {
        clearTimeout(timer);
        unsubscribe();
        if (verdict instanceof ClipError) fail(verdict);
        else done(verdict);
      };
      const partly = (): Selection | undefined => {
        const stretch = longestCoveredStretch(this.buffer.segments(), fromMs, toMs, this.toleranceMs);
        return partial && stretch.length > 0 ? { segments: stretch, complete: false } : undefined;
      };
      const timer = setTimeout(() => {
        const buffered = bufferedRanges(this.buffer.segments(), this.toleranceMs);
        const message = `camera ${this.buffer.cameraId}: ${isoTime(toMs)} not recorded after waiting ${limitMs} ms; buffered: ${describeRanges(buffered)}`;
        settle(partly() ?? new ClipError('CLIP_TIMEOUT', message, { buffered }));
      }, limitMs);
      const check = (): void => {
        const coverage = selectCoveringSegments(this.buffer.segments(), fromMs, toMs, this.toleranceMs);
        if (coverage.ok) {
          settle({ segments: coverage.segments, complete: true });
          return;
        }
        // What is neither buffered nor after the start of the segment being written never will be.
        const recordingFromMs = this.buffer.recordingFromMs() - this.toleranceMs;
        let lost: string | undefined;
        if (coverage.missing === 'start' && fromMs < recordingFromMs) {
          lost = 'its start was deleted or never recorded';
        } else if (coverage.missing === 'rest' && coverage.coveredUntilMs < recordingFromMs) {
          lost = `the recording breaks off at ${isoTime(coverage.coveredUntilMs)}`;
        } else if (!this.buffer.active) {
          lost = 'the recorder has stopped';
        }
        if (lost === undefined) return;
        // A partial clip waits until nothing more of the interval can come.
        if (partial && this.buffer.active && toMs > recordingFromMs) return;
        settle(partly() ?? this.notBuffered(fromMs, toMs, lost));
      };
      unsubscribe = this.buffer.subscribe(check);
      check();
    });
  }

  private async join({ segments, complete }: Selection, toMs: number, outFile: string): Promise<ClipResult> {
    const first = segments[0] as RecordedSegment;
    const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
    const listFile = `${outFile}.${tag}.ffconcat`;
    const partFile = `${outFile}.${tag}.part`;
    // Copied packets cannot start between keyframes, but they can stop anywhere: the tail goes at `to`.
    const lengthSeconds = (toMs - first.startMs) / 1000;
    try {
      await mkdir(dirname(outFile), { recursive: true });
      await writeFile(listFile, concatList(segments.map((s) => s.file)));
      const { codec } = await probeVideo(first.file);
      await run(
        ffmpegPath(),
        [
          '-hide_banner',
          '-loglevel',
          'error',
          '-nostdin',
          '-y',
          '-f',
          'concat',
          '-safe',
          '0',
          '-i',
          listFile,
          '-map',
          '0:v',
          '-c',
          'copy',
          // Browsers (Safari, Chrome) play H.265 in MP4 only under this tag; ffmpeg's default is hev1.
          ...(codec === 'hevc' ? ['-tag:v', 'hvc1'] : []),
          '-t',
          lengthSeconds.toFixed(3),
          '-movflags',
          '+faststart',
          '-f',
          'mp4',
          partFile,
        ],
        { timeout: this.ffmpegTimeoutMs, killSignal: 'SIGKILL' },
      );
      const { durationSeconds } = await probeVideo(partFile);
      await rename(partFile, outFile);
      const { size } = await stat(outFile);
      return {
        file: outFile,
        start: new Date(first.startMs),
        end: new Date(first.startMs + durationSeconds * 1000),
        durationSeconds,
        bytes: size,
        segments: segments.length,
        complete,
      };
    } catch (error) {
      const detail = (error as { stderr?: string }).stderr?.trim() || (error as Error).message;
      throw new ClipError(
        'CLIP_CUT_FAILED',
        `camera ${this.buffer.cameraId}: writing ${outFile}: ${detail}`,
        {
          cause: error,
        },
      );
    } finally {
      await unlink(listFile).catch(() => undefined);
      await unlink(partFile).catch(() => undefined);
    }
  }
}
