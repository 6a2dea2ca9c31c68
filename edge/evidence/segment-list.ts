/**
 * The names and records of a camera's buffered segments. A closed segment is renamed to
 * `seg-<startMs>-<durationMs>.ts` (wall-clock ms since the epoch), so the folder is its own index:
 * a restarted recorder adopts what an earlier one left without any other file.
 */

export interface RecordedSegment {
  /** Absolute path. */
  file: string;
  /** Wall-clock start and end, ms since the epoch. The start is a keyframe. */
  startMs: number;
  endMs: number;
  bytes: number;
}

/** One line of ffmpeg's CSV segment list: a segment that has just been closed. */
export interface ClosedSegmentLine {
  name: string;
  /** Stream time of its first and past its last packet, seconds. */
  start: number;
  end: number;
}

const CSV_LINE = /^([^,]+),(-?\d+(?:\.\d+)?),(-?\d+(?:\.\d+)?)$/;
const SEGMENT_NAME = /^seg-(\d{1,15})-(\d{1,9})\.ts$/;

export function parseSegmentListLine(line: string): ClosedSegmentLine | undefined {
  const match = CSV_LINE.exec(line.trim());
  if (!match) return undefined;
  const start = Number(match[2]);
  const end = Number(match[3]);
  if (!(end >= start)) return undefined;
  return { name: match[1] as string, start, end };
}

export function segmentFileName(startMs: number, endMs: number): string {
  return `seg-${Math.round(startMs)}-${Math.max(0, Math.round(endMs - startMs))}.ts`;
}

/** Start and end (wall-clock ms) of a segment file named by `segmentFileName`, or undefined. */
export function parseSegmentFileName(name: string): { startMs: number; endMs: number } | undefined {
  const match = SEGMENT_NAME.exec(name);
  if (!match) return undefined;
  const startMs = Number(match[1]);
  return { startMs, endMs: startMs + Number(match[2]) };
}

/**
 * Maps one ffmpeg run's stream time to the wall clock. A segment closes when the keyframe that
 * starts the next one reaches ffmpeg, which for a live source is never before that keyframe was
 * captured: `seen - end` over-estimates the offset by the transport and muxing delay, and its
 * minimum over recent segments is the best estimate. A window (rather than all of the run) follows
 * a camera clock that drifts or a wall clock that is stepped.
 */
export class StreamClock {
  private readonly offsets: number[] = [];

  constructor(private readonly window = 30) {}

  /** A segment whose stream end time is `endSeconds` was reported at wall-clock `seenMs`. */
  observe(endSeconds: number, seenMs: number): void {
    this.offsets.push(seenMs - endSeconds * 1000);
    if (this.offsets.length > this.window) this.offsets.shift();
  }

  get calibrated(): boolean {
    return this.offsets.length > 0;
  }

  /** Wall-clock ms of stream time `seconds`; needs one observation first. */
  wallMs(seconds: number): number {
    return seconds * 1000 + Math.min(...this.offsets);
  }
}

/** Contiguous stretches covered by `segments` (sorted by start), merging gaps up to `toleranceMs`. */
export function bufferedRanges(
  segments: readonly RecordedSegment[],
  toleranceMs: number,
): { fromMs: number; toMs: number }[] {
  const ranges: { fromMs: number; toMs: number }[] = [];
  for (const s of segments) {
    const last = ranges.at(-1);
    if (last && s.startMs <= last.toMs + toleranceMs) last.toMs = Math.max(last.toMs, s.endMs);
    else ranges.push({ fromMs: s.startMs, toMs: s.endMs });
  }
  return ranges;
}
