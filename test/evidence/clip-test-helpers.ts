import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { ffmpegPath, ffprobePath } from '../../foundation/media/ffmpeg-binaries.ts';
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

/** What ffprobe reads from a clip, counting its frames by decoding them all (so it must play). */
export async function probeClip(file: string): Promise<ProbedClip> {
  const { stdout } = await run(ffprobePath(), [
    '-v',
    'error',
    '-count_frames',
    '-select_streams',
    'v:0',
    '-show_entries',
    'stream=codec_name,codec_tag_string,width,height,nb_read_frames:format=duration,format_name',
    '-of',
    'json',
    file,
  ]);
  const info = JSON.parse(stdout) as {
    streams: {
      codec_name: string;
      codec_tag_string: string;
      width: number;
      height: number;
      nb_read_frames: string;
    }[];
    format: { duration: string; format_name: string };
  };
  const stream = info.streams[0];
  if (!stream) throw new Error(`${file} has no video stream`);
  return {
    codec: stream.codec_name,
    codecTag: stream.codec_tag_string,
    width: stream.width,
    height: stream.height,
    frames: Number(stream.nb_read_frames),
    durationSeconds: Number(info.format.duration),
    format: info.format.format_name,
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
      if (state !== 'Z' && cmdline.startsWith('ffmpeg') && cmdline.includes(`${folder}/`))
        pids.push(Number(entry));
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
