import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { ffmpegPath } from '../../foundation/media/ffmpeg-binaries.ts';
import { probeVideo } from '../../foundation/media/ffprobe.ts';
import { ffmpegChildren } from '../ingest/helpers.ts';

const run = promisify(execFile);

export interface ProbedClip {
  codec: string;
  codecTag: string;
  width: number;
  height: number;
  frames: number;
  durationSeconds: number;
  format: string;
}

/** What ffmpeg reads of a clip, counting its frames by decoding them all (so it must play). */
export async function probeClip(file: string): Promise<ProbedClip> {
  const info = await probeVideo(file);
  // One `framecrc` line per decoded frame; `#` lines are its header.
  const { stdout } = await run(
    ffmpegPath(),
    ['-v', 'error', '-nostdin', '-i', file, '-map', '0:v:0', '-vsync', '0', '-f', 'framecrc', 'pipe:1'],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  const frames = stdout.split('\n').filter((line) => /^\d/.test(line)).length;
  return {
    codec: info.codec,
    codecTag: info.codecTag,
    width: info.width,
    height: info.height,
    frames,
    durationSeconds: info.durationSeconds,
    format: info.format,
  };
}

/** The top-level MP4 boxes in file order (`ftyp`, `moov`, `mdat`…). */
export function topLevelBoxes(file: string): string[] {
  const data = readFileSync(file);
  const boxes: string[] = [];
  for (let at = 0; at + 8 <= data.length; ) {
    let size = data.readUInt32BE(at);
    boxes.push(data.toString('latin1', at + 4, at + 8));
    if (size === 1) size = Number(data.readBigUInt64BE(at + 8));
    if (size < 8) break;
    at += size;
  }
  return boxes;
}

/** One decoded frame at `seconds` into `file`, as 96×72 grey pixels. */
export async function greyFrame(file: string, seconds: number): Promise<Buffer> {
  const { stdout } = await run(
    ffmpegPath(),
    [
      '-v',
      'error',
      '-ss',
      String(seconds),
      '-i',
      file,
      '-frames:v',
      '1',
      '-vf',
      'scale=96:72',
      '-pix_fmt',
      'gray',
      '-f',
      'rawvideo',
      'pipe:1',
    ],
    { encoding: 'buffer' },
  );
  return stdout;
}

export function meanAbsDiff(a: Buffer, b: Buffer): number {
  if (a.length !== b.length || a.length === 0) return Number.POSITIVE_INFINITY;
  let sum = 0;
  for (let i = 0; i < a.length; i += 1) sum += Math.abs((a[i] as number) - (b[i] as number));
  return sum / a.length;
}

/** Pids of any live ffmpeg on this machine writing into `folder`, whoever started it. */
export function anyFfmpegWritingTo(folder: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      // argv[0] is `ffmpeg` from PATH, or a full path (FFMPEG_PATH, the npm-shipped build).
      const program = cmdline.slice(0, cmdline.indexOf('\0')).split('/').at(-1);
      if (state !== 'Z' && program === 'ffmpeg' && cmdline.includes(`${folder}/`)) pids.push(Number(entry));
    } catch {
      // The process ended while being read.
    }
  }
  return pids;
}

/** Pids of this process's live ffmpeg children writing into `folder` (so concurrent tests keep apart). */
export function ffmpegWritingTo(folder: string): number[] {
  return ffmpegChildren().filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(`${folder}/`);
    } catch {
      return false;
    }
  });
}
