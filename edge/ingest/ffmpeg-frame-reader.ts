import { spawn } from 'node:child_process';
import { ffmpegPath } from '../../foundation/media/ffmpeg-binaries.ts';
import type { RawImage } from '../../foundation/media/frame.ts';
import { type NetworkInputOptions, networkInputArgs } from '../../foundation/media/source-url.ts';

export interface FrameReaderOptions extends NetworkInputOptions {
  /** File path or URL ffmpeg can open. */
  source: string;
  /** Analysis rate: frames per second handed out (decimated inside ffmpeg). */
  fps?: number;
  /** Output size; omitted, the source's own. Scaling happens inside ffmpeg. */
  width?: number;
  height?: number;
  /** Loop a file forever, as a simulated live camera. */
  loop?: boolean;
  /** Pace reading at the source's native rate instead of as fast as possible. */
  realtime?: boolean;
  /** Hardware decoder (`-hwaccel X`: cuda, vaapi, qsv, videotoolbox, auto…); frames come back to system memory. */
  hwaccel?: string;
  /** Forced input format (`-f X` before `-i`), e.g. `mpjpeg` or `mjpeg` for an HTTP camera. */
  inputFormat?: string;
  /**
   * Stamp packets with their arrival time (`-use_wallclock_as_timestamps 1`). Needed for streams
   * without timestamps of their own, such as HTTP MJPEG, so that the `fps` decimation follows real time.
   */
  wallclockTimestamps?: boolean;
  signal?: AbortSignal;
}

export interface Frame extends RawImage {
  /** 0-based index of the frame among those handed out. */
  index: number;
  /** Presentation time in seconds from the start of the stream, at the analysis rate. */
  time: number;
}

function inputArgs(o: FrameReaderOptions): string[] {
  const args: string[] = [];
  if (o.realtime) args.push('-re');
  if (o.loop) args.push('-stream_loop', '-1');
  if (o.hwaccel) args.push('-hwaccel', o.hwaccel);
  args.push(...networkInputArgs(o.source, o));
  if (o.wallclockTimestamps) args.push('-use_wallclock_as_timestamps', '1');
  if (o.inputFormat) args.push('-f', o.inputFormat);
  return args;
}

/** The ffmpeg command line (without the binary) that `readFrames` runs. */
export function buildFrameReaderArgs(o: FrameReaderOptions & { width: number; height: number }): string[] {
  const filters: string[] = [];
  if (o.fps) filters.push(`fps=${o.fps}`);
  filters.push(`scale=${o.width}:${o.height}`);
  return [
    '-hide_banner',
    '-loglevel',
    'error',
    '-nostdin',
    ...inputArgs(o),
    '-i',
    o.source,
    '-an',
    '-vf',
    filters.join(','),
    '-f',
    'rawvideo',
    '-pix_fmt',
    'rgb24',
    'pipe:1',
  ];
}

/**
 * Cuts a raw video byte stream into frames of `frameBytes`. Each is a fresh buffer, so a consumer
 * may keep one while the next is read.
 */
export async function* splitFrames(
  stream: AsyncIterable<Buffer>,
  frameBytes: number,
): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  for await (const chunk of stream) {
    pending.push(chunk);
    pendingBytes += chunk.length;
    while (pendingBytes >= frameBytes) {
      const all = pending.length === 1 ? (pending[0] as Buffer) : Buffer.concat(pending, pendingBytes);
      const data = Buffer.from(all.subarray(0, frameBytes));
      const rest = all.subarray(frameBytes);
      pending = rest.length > 0 ? [rest] : [];
      pendingBytes = rest.length;
      yield data;
    }
  }
}

/** Decodes a video into RGB frames of a fixed size (see `splitFrames`). */
export async function* readFrames(
  options: FrameReaderOptions & { width: number; height: number },
): AsyncGenerator<Frame> {
  const { width, height } = options;
  const child = spawn(ffmpegPath(), buildFrameReaderArgs(options), {
    stdio: ['ignore', 'pipe', 'pipe'],
    signal: options.signal,
    // Nothing to finalise (the output is a pipe), and a blocked network read must not delay the end.
    killSignal: 'SIGKILL',
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  child.once('error', () => undefined);

  const interval = 1 / (options.fps ?? 25);
  let index = 0;
  try {
    for await (const data of splitFrames(child.stdout, width * height * 3)) {
      yield { data, width, height, index, time: index * interval };
      index += 1;
    }
    const code = await exited;
    if (code !== 0 && !options.signal?.aborted) {
      throw new Error(
        `ffmpeg exited with code ${code} reading ${options.source}: ${stderr.trim() || 'no message'}`,
      );
    }
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}
