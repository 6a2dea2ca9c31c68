/**
 * Error codes of segment recording and clip cutting, each with what it means. A user sees
 * `CODE: message`, where the message names the camera, interval or file at fault.
 */
export const CLIP_ERROR_CODES = {
  RECORDER_OPTIONS_INVALID: 'a segment recorder option is missing, of the wrong type or out of range',
  RECORDER_SOURCE_UNSUPPORTED:
    'the source cannot be recorded by stream copy (HTTP MJPEG has no codec that MPEG-TS or MP4 carry)',
  CLIP_INTERVAL_INVALID: 'the clip interval is not a valid pair of dates with from before to',
  CLIP_NOT_BUFFERED: "the interval is not (or no longer) covered by the camera's segment buffer",
  CLIP_TIMEOUT: 'the segments covering the end of the interval were not recorded in time',
  CLIP_CUT_FAILED: 'ffmpeg could not write the clip from the buffered segments',
} as const;

export type ClipErrorCode = keyof typeof CLIP_ERROR_CODES;

/** A buffered stretch of a camera's recording, as wall-clock ms since the epoch. */
export interface BufferedRange {
  fromMs: number;
  toMs: number;
}

export class ClipError extends Error {
  readonly code: ClipErrorCode;
  /** CLIP_NOT_BUFFERED and CLIP_TIMEOUT: what the buffer held when the cut gave up. */
  readonly buffered: readonly BufferedRange[];

  constructor(
    code: ClipErrorCode,
    message: string,
    options: { cause?: unknown; buffered?: readonly BufferedRange[] } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'ClipError';
    this.code = code;
    this.buffered = options.buffered ?? [];
  }
}

/** `2026-11-22T03:00:05.250Z`, for messages. */
export function isoTime(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : String(ms);
}

export function describeRanges(ranges: readonly BufferedRange[]): string {
  if (ranges.length === 0) return 'nothing';
  return ranges.map((r) => `${isoTime(r.fromMs)} – ${isoTime(r.toMs)}`).join(', ');
}
