import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

function onPath(command: string): boolean {
  try {
    execFileSync(command, ['-version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function resolveBinary(command: 'ffmpeg' | 'ffprobe', envVar: string, npmPackage: string): string {
  const fromEnv = process.env[envVar];
  if (fromEnv) return fromEnv;
  if (onPath(command)) return command;
  return (require(npmPackage) as { path: string }).path;
}

let ffmpeg: string | undefined;
let ffprobe: string | undefined;

/** The system's ffmpeg where present (it may have hardware decoders), else the npm-shipped one. */
export function ffmpegPath(): string {
  ffmpeg ??= resolveBinary('ffmpeg', 'FFMPEG_PATH', '@ffmpeg-installer/ffmpeg');
  return ffmpeg;
}

export function ffprobePath(): string {
  ffprobe ??= resolveBinary('ffprobe', 'FFPROBE_PATH', '@ffprobe-installer/ffprobe');
  return ffprobe;
}
