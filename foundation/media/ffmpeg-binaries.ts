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

let rtspTimeoutOption: '-timeout' | '-stimeout' | undefined;

/**
 * The name of the RTSP demuxer's socket I/O timeout (in µs) in this ffmpeg. ffmpeg 5.0 renamed it
 * from `-stimeout` to `-timeout`; before that, `-timeout` meant "wait for an incoming connection"
 * and turned the client into a listening server, so the name is read from the binary's own help.
 */
export function rtspSocketTimeoutOption(): '-timeout' | '-stimeout' {
  if (!rtspTimeoutOption) {
    let help = '';
    try {
      help = execFileSync(ffmpegPath(), ['-hide_banner', '-h', 'demuxer=rtsp'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      });
    } catch {
      // An ffmpeg that cannot print its help fails to start later, with a clearer message.
    }
    rtspTimeoutOption = /^\s*-stimeout\s/m.test(help) ? '-stimeout' : '-timeout';
  }
  return rtspTimeoutOption;
}
