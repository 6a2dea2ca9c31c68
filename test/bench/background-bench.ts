import os from 'node:os';
import { OccupationModel } from '../../edge/background/occupation-model.ts';
import { Detector } from '../../edge/detect/detector.ts';
import { DEFAULT_MODEL } from '../../edge/detect/model-manifest.ts';
import { readFrames } from '../../edge/ingest/ffmpeg-frame-reader.ts';
import type { TrackedInput } from '../../edge/rules/zone-presence.ts';
import type { RawImage } from '../../foundation/media/frame.ts';
import { percentile, printTable } from './stats.ts';

const VIDEO = 'fixtures/video/vtest-occupation.mp4';
const FRAMES = 150;
const FPS = 5;

async function decode(width: number, height: number): Promise<RawImage[]> {
  const frames: RawImage[] = [];
  for await (const frame of readFrames({ source: VIDEO, fps: FPS, width, height })) {
    frames.push({ data: frame.data, width: frame.width, height: frame.height });
    if (frames.length >= FRAMES) break;
  }
  return frames;
}

/**
 * `npm run bench -- background`: the camera background model's cost per frame (one camera) against
 * the detector alone on the same frames (the baseline), at the detector's input size (what the
 * pipeline analyses) and at the full 768×576.
 */
export async function benchBackground(): Promise<void> {
  const detector = await Detector.load(DEFAULT_MODEL);
  const { width, height } = detector.manifest.input;
  const rows: (string | number)[][] = [
    ['per camera, per frame', 'p50 ms', 'p95 ms', 'mean ms', 'vs detector'],
  ];
  const analysed = await decode(width, height);
  const tracked: TrackedInput[][] = [];
  const detectMs: number[] = [];
  for (const frame of analysed) {
    const t = performance.now();
    const detections = await detector.detect(frame);
    detectMs.push(performance.now() - t);
    tracked.push(
      detections
        .filter((d) => d.score >= 0.5)
        .map((d, id) => ({ id, label: d.label, score: d.score, box: d.box })),
    );
  }
  await detector.dispose();
  const mean = (s: number[]) => s.reduce((a, b) => a + b, 0) / s.length;
  const detectMean = mean(detectMs);
  rows.push(['detector alone (baseline)', percentile(detectMs, 50), percentile(detectMs, 95), detectMean, 1]);
  for (const [label, frames] of [
    [`background model, ${width}x${height}`, analysed],
    ['background model, 768x576', await decode(768, 576)],
  ] as const) {
    const model = new OccupationModel();
    const ms: number[] = [];
    frames.forEach((frame, k) => {
      const t = performance.now();
      model.regions({ time: k / FPS, frame, tracked: tracked[k] ?? [] });
      ms.push(performance.now() - t);
    });
    rows.push([label, percentile(ms, 50), percentile(ms, 95), mean(ms), mean(ms) / detectMean]);
  }
  const load = os
    .loadavg()
    .map((v) => v.toFixed(2))
    .join(' ');
  printTable(
    `background model: ${FRAMES} frames of ${VIDEO} at ${FPS} fps, one camera; load average ${load} on ${os.availableParallelism()} cores`,
    rows,
  );
}
