import { execFile } from 'node:child_process';
import { ffmpegPath } from './ffmpeg-binaries.ts';

export interface VideoInfo {
  width: number;
  height: number;
  fps: number;
  durationSeconds: number;
  /** ffmpeg's codec name: `h264`, `hevc`, `mjpeg`… */
  codec: string;
  /** The container's tag for the codec (`avc1`, `hvc1`, `[27][0][0][0]` in MPEG-TS); '' when none. */
  codecTag: string;
  /** The demuxer that read it: `mpegts`, `mov,mp4,m4a,3gp,3g2,mj2`, `rtsp`… */
  format: string;
}

/** ffmpeg prints 29.97, 10, 1k; a rate it cannot tell is absent. */
function parseRate(text: string | undefined): number {
  if (!text) return 0;
  return text.endsWith('k') ? Number(text.slice(0, -1)) * 1000 : Number(text);
}

/**
 * What ffmpeg prints of its first input (`ffmpeg -i SOURCE` with no output): the container line, its
 * `Duration:` and the video stream with the lowest index. The layout has held from ffmpeg 4 to 7.
 * Metadata values cannot pass for those lines (their line breaks print as `: ` continuations), but
 * a key may hold a line break, so a dump that names one stream index twice, or has two durations,
 * is refused as ambiguous rather than read. Undefined when there is no input or no video stream.
 */
export function parseInputDump(text: string): VideoInfo | undefined {
  const lines = text.split(/\r?\n/);
  const input = lines.findIndex((line) => line.startsWith('Input #0, '));
  if (input < 0) return undefined;
  const end = lines.findIndex((line, i) => i > input && /^(Input|Output) #|^At least one output/.test(line));
  const block = lines.slice(input + 1, end < 0 ? undefined : end);
  const durations = block.flatMap((line) => {
    const match = /^\s+Duration: (?:(\d+):(\d\d):(\d\d(?:\.\d+)?)|N\/A)/.exec(line);
    return match ? [match[1] ? Number(match[1]) * 3600 + Number(match[2]) * 60 + Number(match[3]) : 0] : [];
  });
  const streams = block.flatMap((line) => {
    const match = /^\s+Stream #0:(\d+)\S*: (\w+): (.*)$/.exec(line);
    return match ? [{ index: Number(match[1]), type: match[2], rest: match[3] as string }] : [];
  });
  if (durations.length > 1 || new Set(streams.map((s) => s.index)).size < streams.length) {
    throw new Error('ambiguous ffmpeg output (a metadata key that imitates a stream or duration line)');
  }
  const video = streams.filter((s) => s.type === 'Video').sort((a, b) => a.index - b.index)[0];
  if (!video) return undefined;
  const [, codec = 'unknown', rest = ''] = /^([^\s,(]+)(.*)$/.exec(video.rest) ?? [];
  const size = /, (\d+)x(\d+)(?=[\s,[]|$)/.exec(rest);
  if (!size) return undefined;
  return {
    width: Number(size[1]),
    height: Number(size[2]),
    fps: parseRate(/, ([\d.]+k?) fps\b/.exec(rest)?.[1]) || parseRate(/, ([\d.]+k?) tbr\b/.exec(rest)?.[1]),
    durationSeconds: durations[0] ?? 0,
    codec,
    codecTag: /^(?: \([^()]*\))* \(([^()]*?) \/ 0x[0-9A-Fa-f]+\)/.exec(rest)?.[1] ?? '',
    format: /^Input #0, (.+), from '/.exec(lines[input] as string)?.[1] ?? 'unknown',
  };
}

export interface ProbeOptions {
  /** Gives up (and kills ffmpeg) after this long: a network source may never answer. Default 30 s. */
  timeoutMs?: number;
}

/**
 * Size, rate, duration and codec of the first video stream of a file or URL, read by the same
 * ffmpeg that records and cuts (`ffmpegPath()`), from what it prints of the input. Not ffprobe:
 * the npm-shipped ffprobe builds crash on MPEG-TS (a static glibc loading the system's iconv
 * modules), and one binary for reading and writing cannot disagree with itself.
 */
export function probeVideo(source: string, options: ProbeOptions = {}): Promise<VideoInfo> {
  const args = ['-hide_banner', '-nostdin', '-i', source];
  return new Promise((resolve, reject) => {
    execFile(
      ffmpegPath(),
      args,
      { timeout: options.timeoutMs ?? 30_000, killSignal: 'SIGKILL', maxBuffer: 4 * 1024 * 1024 },
      (error, _stdout, stderr) => {
        // With no output named, ffmpeg always exits 1 ("At least one output file must be specified").
        let info: VideoInfo | undefined;
        try {
          info = parseInputDump(stderr);
        } catch (refused) {
          reject(new Error(`cannot read video ${source}: ${(refused as Error).message}`));
          return;
        }
        if (info) {
          resolve(info);
          return;
        }
        if (/^Input #0, /m.test(stderr)) {
          reject(new Error(`${source} has no video stream`));
          return;
        }
        const said = stderr
          .split('\n')
          .filter((line) => line.trim() && !line.startsWith('At least one output file'))
          .slice(-3)
          .join(' | ');
        const timedOut = (error as { killed?: boolean } | null)?.killed === true;
        const detail = timedOut ? 'timed out' : said || error?.message || 'no output';
        reject(new Error(`cannot read video ${source}: ${detail}`));
      },
    );
  });
}
