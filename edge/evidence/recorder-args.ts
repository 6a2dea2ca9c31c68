import { isNetworkSource, networkInputArgs } from '../../foundation/media/source-url.ts';
import type { RecorderOptions } from './recorder-options.ts';

/**
 * The ffmpeg command line (without the binary) of one recording run: the source's first video
 * stream copied as is into MPEG-TS segments named `<runPrefix>NNNNNN.ts` in `dir`, and ffmpeg's
 * segment list written as CSV (`name,start,end` in stream seconds) to file descriptor 3 as each
 * segment closes.
 *
 * Stdout carries a lifeline: a line per packet (`framecrc`) that the recorder reads and throws
 * away. Should the recorder's process die without stopping ffmpeg (kill -9, a crash), the next
 * write fails and ffmpeg exits instead of filling the disk with segments nobody deletes.
 *
 * MPEG-TS, not MP4: a segment is readable while being written and survives ffmpeg being killed.
 * Audio is dropped: G.711 from IP cameras does not fit in MP4, and sound recorded in public space
 * is a privacy matter of its own.
 */
export function buildRecorderArgs(options: RecorderOptions, runPrefix: string): string[] {
  const { source } = options;
  const input: string[] = [];
  if (!isNetworkSource(source.url)) {
    // A file is played as a live camera: at its native rate, and round again when asked.
    input.push('-re');
    if (source.loop) input.push('-stream_loop', '-1');
  }
  input.push(
    ...networkInputArgs(source.url, {
      rtspTransport: source.transport,
      ioTimeoutSeconds: options.ioTimeoutSeconds,
    }),
  );
  return [
    '-hide_banner',
    '-loglevel',
    'error',
    '-nostdin',
    ...input,
    '-i',
    source.url,
    '-map',
    '0:v:0',
    '-c',
    'copy',
    '-f',
    'segment',
    '-segment_format',
    'mpegts',
    // Each packet goes to the file at once, not per 32 kB buffer: what a killed ffmpeg was
    // writing then holds everything up to its last frame (without this, often nothing).
    '-segment_format_options',
    'flush_packets=1',
    '-segment_time',
    String(options.segmentSeconds),
    '-segment_list',
    'pipe:3',
    '-segment_list_type',
    'csv',
    `${options.dir}/${runPrefix}%06d.ts`,
    '-map',
    '0:v:0',
    '-c',
    'copy',
    '-f',
    'framecrc',
    'pipe:1',
  ];
}
