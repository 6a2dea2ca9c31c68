import os from 'node:os';
import { Detector } from '../../edge/detect/detector.ts';
import { DEFAULT_MODEL } from '../../edge/detect/model-manifest.ts';
import { CameraHealthMonitor } from '../../edge/health/camera-health.ts';
import { readFrames } from '../../edge/ingest/ffmpeg-frame-reader.ts';
import { CameraHealthSchema } from '../../foundation/edge-config/camera-health-schema.ts';
import type { RawImage } from '../../foundation/media/frame.ts';
import { mean, percentile, printTable } from './stats.ts';

const VIDEO = 'fixtures/video/vtest-faults.mp4';
const FRAMES = 150;
const FPS = 2;
/** The camera's analysis rate by default (the detector's at most) and the diagnosis' (intervalSeconds 1). */
const DETECT_PER_SECOND = 5;
const DIAGNOSE_PER_SECOND = 1;

async function decode(width: number, height: number): Promise<RawImage[]> {
  const frames: RawImage[] = [];
  for await (const frame of readFrames({ source: VIDEO, fps: FPS, width, height })) {
    frames.push({ data: frame.data, width: frame.width, height: frame.height });
    if (frames.length >= FRAMES) break;
  }
  return frames;
}

/** Milliseconds the diagnosis takes per frame, every frame diagnosed (interval 0.1 s, frames 0.5 s apart). */
function diagnose(frames: readonly RawImage[]): number[] {
  const health = new CameraHealthMonitor({
    edgeId: 'bench',
    cameraId: 'cam',
    epochMs: 0,
    frame: { width: frames[0]?.width ?? 1, height: frames[0]?.height ?? 1 },
    config: CameraHealthSchema.parse({ intervalSeconds: 0.1 }),
    model: { name: 'camera-health', version: '1', sha256: '0'.repeat(64) },
  });
  return frames.map((frame, k) => {
    const t = performance.now();
    health.observeFrame(frame, k / FPS);
    return performance.now() - t;
  });
}

/**
 * `npm run bench -- health`: the camera health diagnosis' CPU per camera against the detector alone
 * on the same frames (the baseline): per frame, and per second of camera at the default rates
 * (detector on up to 5 frames a second, diagnosis on 1).
 */
export async function benchHealth(): Promise<void> {
  const detector = await Detector.load(DEFAULT_MODEL);
  const { width, height } = detector.manifest.input;
  const analysed = await decode(width, height);
  const detectMs: number[] = [];
  for (const frame of analysed) {
    const t = performance.now();
    await detector.detect(frame);
    detectMs.push(performance.now() - t);
  }
  await detector.dispose();
  const detectMean = mean(detectMs);
  const rows: (string | number)[][] = [
    [
      'per camera',
      'p50 ms/frame',
      'p95 ms/frame',
      'mean ms/frame',
      'vs detector per frame',
      'vs detector per second',
    ],
    ['detector alone (baseline)', percentile(detectMs, 50), percentile(detectMs, 95), detectMean, 1, 1],
  ];
  for (const [label, frames] of [
    [`health diagnosis, ${width}x${height}`, analysed],
    ['health diagnosis, 768x576', await decode(768, 576)],
  ] as const) {
    diagnose(frames.slice(0, 10));
    const ms = diagnose(frames);
    const perFrame = mean(ms) / detectMean;
    rows.push([
      label,
      percentile(ms, 50),
      percentile(ms, 95),
      mean(ms),
      perFrame,
      (perFrame * DIAGNOSE_PER_SECOND) / DETECT_PER_SECOND,
    ]);
  }
  const load = os
    .loadavg()
    .map((v) => v.toFixed(2))
    .join(' ');
  printTable(
    `camera health: ${FRAMES} frames of ${VIDEO} at ${FPS} fps, one camera; per second: detector ${DETECT_PER_SECOND} frames, diagnosis ${DIAGNOSE_PER_SECOND}; load average ${load} on ${os.availableParallelism()} cores`,
    rows,
  );
}
