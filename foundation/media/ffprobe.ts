import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ffprobePath } from './ffmpeg-binaries.ts';

const run = promisify(execFile);

export interface VideoInfo {
  width: number;
  height: number;
  fps: number;
  durationSeconds: number;
  codec: string;
}

function parseRate(rate: string | undefined): number {
  const [num = 0, den = 1] = (rate ?? '0/1').split('/').map(Number);
  return den ? num / den : 0;
}

export async function probeVideo(source: string): Promise<VideoInfo> {
  let stdout: string;
  try {
    ({ stdout } = await run(ffprobePath(), [
      '-v',
      'error',
      '-select_streams',
      'v:0',
      '-show_entries',
      'stream=width,height,avg_frame_rate,r_frame_rate,codec_name:format=duration',
      '-of',
      'json',
      source,
    ]));
  } catch (error) {
    const detail = (error as { stderr?: string }).stderr?.trim() || (error as Error).message;
    throw new Error(`cannot read video ${source}: ${detail}`);
  }
  const info = JSON.parse(stdout) as {
    streams?: {
      width?: number;
      height?: number;
      avg_frame_rate?: string;
      r_frame_rate?: string;
      codec_name?: string;
    }[];
    format?: { duration?: string };
  };
  const stream = info.streams?.[0];
  if (!stream?.width || !stream.height) throw new Error(`${source} has no video stream`);
  return {
    width: stream.width,
    height: stream.height,
    fps: parseRate(stream.avg_frame_rate) || parseRate(stream.r_frame_rate),
    durationSeconds: Number(info.format?.duration ?? 0),
    codec: stream.codec_name ?? 'unknown',
  };
}
