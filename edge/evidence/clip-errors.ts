import { EdgeError, type ErrorCode } from '../errors.ts';

/** The codes of segment recording and clip cutting, from the edge's catalogue. */
export type ClipErrorCode = Extract<
  ErrorCode,
  | 'RECORDER_OPTIONS_INVALID'
  | 'RECORDER_SOURCE_UNSUPPORTED'
  | 'CLIP_INTERVAL_INVALID'
  | 'CLIP_NOT_BUFFERED'
  | 'CLIP_TIMEOUT'
  | 'CLIP_CUT_FAILED'
>;

/** A buffered stretch of a camera's recording, as wall-clock ms since the epoch. */
export interface BufferedRange {
  fromMs: number;
  toMs: number;
}

/** An EdgeError of recording or cutting; the message names the camera, interval or file at fault. */
export class ClipError extends EdgeError {
  declare readonly code: ClipErrorCode;
  /** CLIP_NOT_BUFFERED and CLIP_TIMEOUT: what the buffer held when the cut gave up. */
  readonly buffered: readonly BufferedRange[];

  constructor(
    code: ClipErrorCode,
    message: string,
    options: { cause?: unknown; buffered?: readonly BufferedRange[] } = {},
  ) {
    super(code, message, { cause: options.cause });
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
