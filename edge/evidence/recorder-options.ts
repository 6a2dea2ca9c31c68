import { z } from 'zod';
import { SourceSchema } from '../schema/source-schema.ts';
import { ClipError } from './clip-errors.ts';

/**
 * Options of one camera's `SegmentRecorder`. Everything here is plain data a config file can hold;
 * the config schema can reuse `RecorderOptionsSchema.shape` fields.
 */
export const RecorderOptionsSchema = z.strictObject({
  /** Camera id, used in messages. */
  cameraId: z.string().min(1),
  /** The camera's source, as in the edge config. */
  source: SourceSchema,
  /** The camera's own folder for segments. Created if missing; nothing else may write there. */
  dir: z.string().min(1),
  /**
   * Target segment length. ffmpeg cuts only at keyframes, so a segment lasts at least one GOP: a
   * camera sending a keyframe every 4 s gives 4 s segments whatever this says.
   */
  segmentSeconds: z.number().min(0.5).max(60).default(2),
  /** Closed segments are deleted, oldest first, beyond this many bytes. The segment being written adds at most one more. */
  maxBytes: z
    .number()
    .int()
    .positive()
    .default(1024 ** 3),
  /** Segments that ended longer ago than this are deleted. */
  maxAgeSeconds: z.number().positive().default(3600),
  /** Network sources: ffmpeg's socket I/O timeout (RTSP `-timeout`, others `-rw_timeout`). */
  ioTimeoutSeconds: z.number().positive().default(10),
  /** Restart ffmpeg when no segment has closed for this long. Default: max(30, 4 × segmentSeconds). */
  stallSeconds: z.number().positive().optional(),
  /** Restart backoff: full jitter on min(max, initial × 2^n) seconds, as cameras do. */
  backoffInitialSeconds: z.number().positive().default(1),
  backoffMaxSeconds: z.number().positive().default(60),
  /** After this long recording without a failure, the backoff starts again from the initial delay. */
  healthySeconds: z.number().positive().default(30),
});

export type RecorderOptionsInput = z.input<typeof RecorderOptionsSchema>;
export type RecorderOptions = z.output<typeof RecorderOptionsSchema>;

/** Validates recorder options, throwing RECORDER_OPTIONS_INVALID (every problem, with its field) or RECORDER_SOURCE_UNSUPPORTED. */
export function parseRecorderOptions(input: RecorderOptionsInput): RecorderOptions {
  const parsed = RecorderOptionsSchema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(options)'}: ${i.message}`);
    throw new ClipError('RECORDER_OPTIONS_INVALID', `segment recorder: ${problems.join('; ')}`);
  }
  const options = parsed.data;
  if (/^https?:\/\//i.test(options.source.url)) {
    throw new ClipError(
      'RECORDER_SOURCE_UNSUPPORTED',
      `camera ${options.cameraId}: HTTP sources (MJPEG) cannot be recorded without re-encoding; give the camera an RTSP stream for evidence clips`,
    );
  }
  return options;
}
