import { spawn } from 'node:child_process';
import { ffmpegPath } from '../../foundation/media/ffmpeg-binaries.ts';
import type { RawImage } from '../../foundation/media/frame.ts';

/**
 * Decodes every frame of a video with ffmpeg (raw RGB at its own size, no resampling) and hands
 * the ones `keep` selects to `onFrame`, in order, one at a time: the decoder waits while a frame
 * is being handled, so memory holds one frame plus what the caller keeps.
 */
export async function forEachVideoFrame(
  video: string,
  size: { width: number; height: number },
  keep: (index: number) => boolean,
  onFrame: (index: number, frame: RawImage) => Promise<void>,
): Promise<number> {
  const frameBytes = size.width * size.height * 3;
  const child = spawn(
    ffmpegPath(),
    ['-v', 'error', '-i', video, '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
  let pending: Buffer = Buffer.alloc(0);
  let index = 0;
  for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    while (pending.length >= frameBytes) {
      const bytes = pending.subarray(0, frameBytes);
      pending = pending.subarray(frameBytes);
      if (keep(index))
        await onFrame(index, { data: new Uint8Array(bytes), width: size.width, height: size.height });
      index += 1;
    }
  }
  const code = await exited;
  if (code !== 0) throw new Error(`ffmpeg could not decode ${video} (exit ${code}): ${stderr.trim()}`);
  return index;
}
