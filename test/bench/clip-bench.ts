import { readFileSync, rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ClipCutter } from '../../edge/evidence/clip-cutter.ts';
import { SegmentRecorder } from '../../edge/evidence/segment-recorder.ts';
import { readFrames } from '../../edge/ingest/ffmpeg-frame-reader.ts';
import { childPids, processesCpuSeconds, processesRssMb } from './process-stats.ts';
import { percentile, printTable } from './stats.ts';

const VTEST = fileURLToPath(new URL('../../fixtures/video/vtest.mp4', import.meta.url));

export interface ClipBenchRow {
  what: string;
  /** ffmpeg's CPU use over the window, in percent of one core. */
  cpuPercent: number;
  /** ffmpeg's resident memory, median of samples, MB (cuts: n/a). */
  rssMb: number;
  /** Cuts: median wall time per clip, ms. */
  wallMs: number;
  /** Cuts: clip size; recording: bytes written per second of video. */
  bytes: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** This process's ffmpeg children whose command line contains `marker`. */
function ffmpegWith(marker: string): number[] {
  return childPids().filter((pid) => {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      return cmdline.includes('ffmpeg') && cmdline.includes(marker);
    } catch {
      return false;
    }
  });
}

/**
 * What evidence recording costs an edge box per camera, next to the decode the analytics pipeline
 * already runs on the same camera: the fixture played as a live camera (real time, looped) into
 * the segment recorder (stream copy) and, side by side, into the pipeline's frame reader (decode,
 * 5 fps, scaled to 416×416 RGB). Then the time to cut event clips from the buffer while it records.
 */
export async function runClipBench(windowSeconds = 20, cuts = 5): Promise<ClipBenchRow[]> {
  const dir = await mkdtemp(join(tmpdir(), 'clip-bench-'));
  const recorder = new SegmentRecorder({
    cameraId: 'bench',
    source: { url: VTEST, loop: true },
    dir: join(dir, 'buffer'),
  }).start();
  const stopDecode = new AbortController();
  const decoding = (async () => {
    const frames = readFrames({
      source: VTEST,
      width: 416,
      height: 416,
      fps: 5,
      loop: true,
      realtime: true,
      signal: stopDecode.signal,
    });
    for await (const _ of frames) {
      // Frames are dropped: only ffmpeg's side is measured.
    }
  })().catch(() => undefined);
  try {
    await sleep(1500);
    const recordPids = ffmpegWith(join(dir, 'buffer'));
    const decodePids = ffmpegWith('rawvideo');
    const cpuStart = [processesCpuSeconds(recordPids), processesCpuSeconds(decodePids)];
    const started = performance.now();
    const rss: [number[], number[]] = [[], []];
    while (performance.now() - started < windowSeconds * 1000) {
      rss[0].push(processesRssMb(recordPids));
      rss[1].push(processesRssMb(decodePids));
      await sleep(500);
    }
    const wall = (performance.now() - started) / 1000;
    const cpu = [processesCpuSeconds(recordPids), processesCpuSeconds(decodePids)];
    const held = recorder.stats();
    const heldSeconds =
      held.lastSegmentEndMs && held.oldestStartMs ? (held.lastSegmentEndMs - held.oldestStartMs) / 1000 : 1;
    const rows: ClipBenchRow[] = [
      {
        what: 'record: stream copy into 2 s MPEG-TS segments',
        cpuPercent: (100 * ((cpu[0] as number) - (cpuStart[0] as number))) / wall,
        rssMb: percentile(rss[0], 50),
        wallMs: Number.NaN,
        bytes: held.bytes / heldSeconds,
      },
      {
        what: 'decode: 5 fps, 416x416 RGB (the pipeline)',
        cpuPercent: (100 * ((cpu[1] as number) - (cpuStart[1] as number))) / wall,
        rssMb: percentile(rss[1], 50),
        wallMs: Number.NaN,
        bytes: Number.NaN,
      },
    ];
    const first = recorder.segments()[0];
    const cutter = new ClipCutter(recorder);
    for (const seconds of [5, 15]) {
      if (!first || first.startMs + (seconds + 1) * 1000 > (held.lastSegmentEndMs ?? 0)) continue;
      const times: number[] = [];
      let bytes = 0;
      for (let i = 0; i < cuts; i += 1) {
        const t = performance.now();
        const clip = await cutter.cut({
          from: new Date(first.startMs + 500),
          to: new Date(first.startMs + 500 + seconds * 1000),
          outFile: join(dir, `clip-${seconds}-${i}.mp4`),
        });
        times.push(performance.now() - t);
        bytes = clip.bytes;
      }
      rows.push({
        what: `cut: ${seconds} s clip (concat + copy to MP4, ffprobe)`,
        cpuPercent: Number.NaN,
        rssMb: Number.NaN,
        wallMs: percentile(times, 50),
        bytes,
      });
    }
    return rows;
  } finally {
    stopDecode.abort();
    await Promise.all([recorder.stop(), decoding]);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `npm run bench`: the recorder's cost per camera against the pipeline's own decode, and cut time. */
export async function benchClips(): Promise<void> {
  const rows = await runClipBench();
  printTable('evidence clips: recording cost per camera vs. the pipeline decode, and cut time', [
    [
      'what',
      'ffmpeg CPU (% of a core)',
      'ffmpeg RSS (MB)',
      'cut wall (ms)',
      'bytes (/s recorded | per clip)',
    ],
    ...rows.map((r) => [r.what, r.cpuPercent, r.rssMb, r.wallMs, r.bytes]),
  ]);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await benchClips();
}
