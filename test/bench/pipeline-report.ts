import os from 'node:os';
import {
  CONFIG,
  type FramesRun,
  type LoadSeries,
  MEASURE_SECONDS,
  OTHER_LOAD_CORES,
  type Row,
  SETTLE_SECONDS,
  type ThroughputFigures,
  VIDEO,
  WARMUP_SECONDS,
} from './pipeline-figures.ts';
import { keepsUp } from './simulated-cameras.ts';
import { percentile, printTable } from './stats.ts';

/** The pipeline bench's tables: throughput, cameras per box, memory, and the motion gate's savings. */

const pct = (part: number, whole: number) => (100 * part) / whole;

export function printThroughput(f: ThroughputFigures): void {
  const row = (
    name: string,
    frames: number,
    analysed: number | string,
    totalMs: number,
    samples?: number[],
  ) => {
    const fps = (1000 * frames) / totalMs;
    const p95 = samples ? percentile(samples, 95) : '-';
    return [name, String(frames), String(analysed), totalMs / frames, p95, fps, fps / f.detectorFps] as Row;
  };
  const detectorMs = f.detectorSamples.reduce((a, b) => a + b, 0);
  const { inMemory, withoutDetector, replay } = f;
  const stagesMs =
    f.decodeMs / f.frames +
    withoutDetector.totalMs / f.frames +
    (detectorMs / f.frames) * (inMemory.counters.framesAnalysed / f.frames);
  const cpu = os.cpus()[0]?.model ?? 'cpu';
  printTable(
    `1. replay throughput: ${VIDEO} with ${CONFIG}, ${f.frames} frames (${f.size}), ${os.availableParallelism()} cores (${cpu})`,
    [
      ['path', 'frames', 'analysed', 'ms/frame', 'p95 ms', 'frames/s', 'vs detector-only'],
      row(
        'detector.detect alone, frames in memory (baseline)',
        f.frames,
        f.frames,
        detectorMs,
        f.detectorSamples,
      ),
      row('decode only: readFrames drained into memory', f.frames, '-', f.decodeMs),
      row('motion gate alone', f.frames, '-', f.gateMs),
      row(
        'pipeline minus detector (gate, tracker, rules; detections replayed)',
        f.frames,
        withoutDetector.counters.framesAnalysed,
        withoutDetector.totalMs,
        withoutDetector.samples,
      ),
      row(
        'full pipeline on in-memory frames (no decode)',
        f.frames,
        inMemory.counters.framesAnalysed,
        inMemory.totalMs,
        inMemory.samples,
      ),
      [
        'sum of stages, serial (decode + minus-detector + detector x analysed share)',
        String(f.frames),
        '-',
        stagesMs,
        '-',
        1000 / stagesMs,
        1000 / stagesMs / f.detectorFps,
      ],
      row(
        'full replay: replayVideo at max speed (decode + pipeline)',
        replay.counters.framesSeen,
        replay.counters.framesAnalysed,
        replay.seconds * 1000,
      ),
    ],
  );
  console.log(
    `other processes on the machine: ${(100 * f.backgroundBusy).toFixed(0)} % of its ${os.availableParallelism()} cores busy before the bench, ${f.otherCores.toFixed(2)} cores while the in-memory rows ran.`,
  );
  console.log(
    '"vs detector-only": frames/s over the detector alone on the same frames; the motion gate can put the pipeline above 1 (frames it skips cost no inference). ffmpeg decodes in its own process, in parallel with analysis.',
  );
}

export function printLoad(series: LoadSeries, detectorFps: number, fps: number): void {
  const rows: Row[] = [
    [
      'cameras',
      'offered fps',
      'analysed fps',
      'dropped %',
      'p50 ms',
      'p95 ms',
      'keep up',
      'node CPU cores',
      'ffmpeg CPU cores',
      'other procs CPU cores',
      'sched wait ms',
      'model run ms',
      'analysed vs detector-only',
    ],
  ];
  for (const { cameras, result } of series.runs) {
    const offered = result.cameras.reduce((n, c) => n + c.offered, 0);
    const analysed = result.cameras.reduce((n, c) => n + c.analysed, 0);
    const latencies = result.cameras.flatMap((c) => c.latencies);
    const ok = result.cameras.filter((c) => keepsUp(c, result.expectedPerCamera, fps)).length;
    rows.push([
      `${cameras}${result.otherCores >= OTHER_LOAD_CORES ? '*' : ''}`,
      offered / result.seconds,
      analysed / result.seconds,
      pct(offered - analysed, offered),
      percentile(latencies, 50),
      percentile(latencies, 95),
      `${ok}/${cameras}${result.errors > 0 ? ` (${result.errors} errors)` : ''}`,
      result.processCores,
      series.mode === 'ffmpeg' ? result.decodersCores : '-',
      result.otherCores,
      result.meanWaitMs,
      result.meanRunMs,
      analysed / result.seconds / detectorFps,
    ]);
  }
  const feed =
    series.mode === 'memory'
      ? 'in-memory frames replayed on a 200 ms wall-clock timer per camera (analysis cost only)'
      : 'one ffmpeg readFrames({ realtime: true, loop: true, fps: 5 }) decoder per camera';
  printTable(
    `2. simulated cameras at 5 fps sharing one ModelRegistry, feed: ${feed}; ${MEASURE_SECONDS} s measured after ${WARMUP_SECONDS} s warm-up per N; machine CPU busy with other processes at 0 cameras: ${(100 * series.backgroundBusy).toFixed(0)} %`,
    rows,
  );
  const sustained = series.runs.filter((r) => r.sustained).map((r) => r.cameras);
  console.log(
    `largest N sustained (${series.mode} feed): ${series.stoppedBy === 'fell behind' ? '' : 'at least '}${sustained.length > 0 ? Math.max(...sustained) : 0} (stopped: ${series.stoppedBy}). ` +
      'A camera keeps up when it analyses >= 95 % of its frames and its median latency (frame offered -> events returned) is under 200 ms; ' +
      'a frame offered while its camera is still busy is dropped (latest frame wins). "analysed vs detector-only": analysed fps over the detector-alone fps of table 1. ' +
      `* other processes used >= ${OTHER_LOAD_CORES} cores during the run (a failed run is repeated once): its figures understate this box.`,
  );
}

export function printMemory(rssBefore: number, rssModels: number, series: LoadSeries[]): void {
  const rows: Row[] = [
    ['state', 'RSS MB', 'delta MB', 'MB per camera', 'ffmpeg MB per camera'],
    ['before loading models', rssBefore, '-', '-', '-'],
    ['models loaded + 3 warm-up runs (delta = model share)', rssModels, rssModels - rssBefore, '-', '-'],
  ];
  for (const s of series) {
    rows.push([`0 cameras, ${s.mode} feed baseline (RSS_0; vtest frames in memory)`, s.rss0, '-', '-', '-']);
    for (const { cameras, result } of s.runs) {
      const delta = result.rssMb - s.rss0;
      rows.push([
        `${cameras} camera(s), ${s.mode} feed`,
        result.rssMb,
        delta,
        delta / cameras,
        s.mode === 'ffmpeg' ? result.decodersRssMb / cameras : '-',
      ]);
    }
  }
  printTable('3. resident memory: process RSS (median while running) against RSS_0 with 0 cameras', rows);
  console.log(
    'MB per camera = (RSS_N - RSS_0) / N of this node process; the ffmpeg decoders are separate processes (their RSS summed, per camera). RSS_0 is read after a full GC, RSS_N under load (live garbage included).',
  );
}

export function printMotionGate(runs: [string, FramesRun][], recheckSeconds: number, fps: number): void {
  const rows: Row[] = [
    ['clip', 'frames', 'analysed', 'skipped by motion', 'skipped %', `skipped % after ${SETTLE_SECONDS} s`],
  ];
  for (const [name, run] of runs) {
    const { counters: c, settled: s } = run;
    rows.push([
      name,
      String(c.framesSeen),
      String(c.framesAnalysed),
      String(c.framesSkippedByMotion),
      pct(c.framesSkippedByMotion, c.framesSeen),
      pct(c.framesSkippedByMotion - s.framesSkippedByMotion, c.framesSeen - s.framesSeen),
    ]);
  }
  printTable('4. motion gate: frames skipped (pipeline counters framesSkippedByMotion / framesSeen)', rows);
  console.log(
    `Without motion, objects already tracked are re-detected every motion.recheckSeconds (${recheckSeconds} s here), ` +
      `which caps skipping at ${(100 * (1 - 1 / (fps * recheckSeconds))).toFixed(0)} % at ${fps} fps while tracks are alive.`,
  );
  if (runs.some(([, run]) => run.counters.framesAnalysed === 1 && run.counters.framesSeen > 1)) {
    console.log(
      'A clip analysed on its first frame only got no recheck: that frame starts tentative tracks only (confirmed at a second hit), so nothing was tracked and every later frame was skipped.',
    );
  }
}
