import { spawn } from 'node:child_process';
import type { RawImage } from '../detect/preprocess.ts';
import { ffmpegPath } from './ffmpeg-binaries.ts';

export interface FrameReaderOptions {
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
  signal?: AbortSignal;
}

export interface Frame extends RawImage {
  /** 0-based index of the frame among those handed out. */
  index: number;
  /** Presentation time in seconds from the start of the stream, at the analysis rate. */
  time: number;
}

function buildArgs(o: FrameReaderOptions, width: number, height: number): string[] {
  const filters: string[] = [];
  if (o.fps) filters.push(`fps=${o.fps}`);
  filters.push(`scale=${width}:${height}`);
  return [
    '-hide_banner',
    '-loglevel',
    'error',
    '-nostdin',
    ...(o.realtime ? ['-re'] : []),
    ...(o.loop ? ['-stream_loop', '-1'] : []),
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
 * Decodes a video into RGB frames of a fixed size. Frames are yielded as views of fresh buffers,
 * so a consumer may keep one while the next is read.
 */
export async function* readFrames(
  options: FrameReaderOptions & { width: number; height: number },
): AsyncGenerator<Frame> {
  const { width, height } = options;
  const frameBytes = width * height * 3;
  const child = spawn(ffmpegPath(), buildArgs(options, width, height), {
    stdio: ['ignore', 'pipe', 'pipe'],
    signal: options.signal,
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  child.once('error', () => undefined);

  const interval = 1 / (options.fps ?? 25);
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let index = 0;
  try {
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
      pending.push(chunk);
      pendingBytes += chunk.length;
      while (pendingBytes >= frameBytes) {
        const all = pending.length === 1 ? (pending[0] as Buffer) : Buffer.concat(pending, pendingBytes);
        const data = Buffer.from(all.subarray(0, frameBytes));
        const rest = all.subarray(frameBytes);
        pending = rest.length > 0 ? [rest] : [];
        pendingBytes = rest.length;
        yield { data, width, height, index, time: index * interval };
        index += 1;
      }
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
