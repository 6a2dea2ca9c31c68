import type { CameraCounters } from '../../edge/pipeline/camera-pipeline.ts';
import type { FeedMode, LoadRunResult } from './simulated-cameras.ts';

/** How the pipeline bench measures, and the figures it brings back for the report. */

export const CONFIG = 'fixtures/configs/vtest.yaml';
export const VIDEO = 'fixtures/video/vtest.mp4';
export const WARMUP_SECONDS = 2;
export const MEASURE_SECONDS = 18;
/** Wall time for the concurrency runs of both feeds together (keeps `npm run bench` near 6 minutes). */
export const LOAD_BUDGET_SECONDS = 250;
/** Other processes using this many cores during a run make it suspect: a failed one is run again once. */
export const OTHER_LOAD_CORES = 0.25;
/** Motion-gate shares are also given from this stream time on, once tracks have settled. */
export const SETTLE_SECONDS = 5;

export type Row = (string | number)[];

export interface FramesRun {
  /** Milliseconds per `process` call. */
  samples: number[];
  totalMs: number;
  counters: CameraCounters;
  /** Counters when the stream reached SETTLE_SECONDS. */
  settled: CameraCounters;
}

export interface LoadSeries {
  mode: FeedMode;
  rss0: number;
  /** Machine CPU busy share while this process idled with 0 cameras (other processes). */
  backgroundBusy: number;
  runs: { cameras: number; result: LoadRunResult; sustained: boolean }[];
  stoppedBy: 'fell behind' | 'time budget' | 'camera cap';
}

export interface ThroughputFigures {
  size: string;
  backgroundBusy: number;
  /** Cores busy with other processes while the in-memory rows were measured. */
  otherCores: number;
  frames: number;
  detectorSamples: number[];
  detectorFps: number;
  decodeMs: number;
  gateMs: number;
  withoutDetector: FramesRun;
  inMemory: FramesRun;
  replay: { seconds: number; counters: CameraCounters };
}
