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

let ffmpeg: string | undefined;

/**
 * The ffmpeg every part of the edge runs: `FFMPEG_PATH` where set, else the system's `ffmpeg` on
 * PATH (it may have hardware decoders), else the static build shipped in the npm package
 * `@ffmpeg-installer/ffmpeg` (what a plain `npm install` gives; see the README's requirements).
 */
export function ffmpegPath(): string {
  ffmpeg ??= process.env.FFMPEG_PATH || (onPath('ffmpeg') ? 'ffmpeg' : bundledFfmpegPath());
  return ffmpeg;
}

/** The npm-shipped static ffmpeg (throws where the package has no build for this platform). */
export function bundledFfmpegPath(): string {
  return (require('@ffmpeg-installer/ffmpeg') as { path: string }).path;
}

/**
 * `FFPROBE_PATH`, else the system's `ffprobe`: for developer tools only. Nothing the edge runs needs
 * ffprobe (`probeVideo` reads with ffmpeg), so none is shipped.
 */
export function ffprobePath(): string {
  return process.env.FFPROBE_PATH || 'ffprobe';
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
