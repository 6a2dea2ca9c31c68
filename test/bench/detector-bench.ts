import { readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { Detector } from '../../edge/detect/detector.ts';
import { DEFAULT_MODEL } from '../../edge/detect/model-manifest.ts';
import type { ImageSource } from '../../edge/detect/preprocess.ts';
import type { RawImage } from '../../foundation/media/frame.ts';
import { percentile, printTable } from './stats.ts';

const FRAMES_DIR = 'fixtures/frames';
const PASSES = 4;
const WARMUP = 5;

type Row = (string | number)[];

async function timeEach(items: readonly ImageSource[], run: (item: ImageSource) => Promise<unknown>) {
  const samples: number[] = [];
  for (let pass = 0; pass < PASSES; pass++) {
    for (const item of items) {
      const t = performance.now();
      await run(item);
      samples.push(performance.now() - t);
    }
  }
  return samples;
}

const fps = (samples: number[]) => (1000 * samples.length) / samples.reduce((a, b) => a + b, 0);

function row(name: string, samples: number[], rawFps: number): Row {
  const f = fps(samples);
  return [name, percentile(samples, 50), percentile(samples, 95), f, f / rawFps];
}

/**
 * Raw `session.run` against full `detect()` (image decode, resize, normalise, inference, box
 * decoding, NMS) on the fixture frames, as JPEG files and as the RGB frames ffmpeg hands over.
 */
export async function benchDetector(): Promise<void> {
  const files = (await readdir(FRAMES_DIR)).filter((f) => f.endsWith('.jpg')).sort();
  const jpegs = await Promise.all(files.map((f) => readFile(path.join(FRAMES_DIR, f))));
  const detector = await Detector.load(DEFAULT_MODEL);
  const { width, height } = detector.manifest.input;
  const toRaw = async (jpeg: Buffer, w?: number, h?: number): Promise<RawImage> => {
    const pipeline = w && h ? sharp(jpeg).resize(w, h, { fit: 'fill' }) : sharp(jpeg);
    const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
    return { data, width: info.width, height: info.height };
  };
  const rawFull = await Promise.all(jpegs.map((j) => toRaw(j)));
  const rawScaled = await Promise.all(jpegs.map((j) => toRaw(j, width, height)));
  for (let k = 0; k < WARMUP; k++) await detector.detect(jpegs[k % jpegs.length] as Buffer);

  const raw = await timeEach(jpegs, async () => detector.runInference());
  const rawFps = fps(raw);
  const rows: Row[] = [
    ['path', 'p50 ms', 'p95 ms', 'frames/s', 'vs raw'],
    ['raw session.run (baseline)', percentile(raw, 50), percentile(raw, 95), rawFps, 1],
    row('detect(): JPEG 768x576', await timeEach(jpegs, (j) => detector.detect(j)), rawFps),
    row('detect(): RGB frame 768x576', await timeEach(rawFull, (f) => detector.detect(f)), rawFps),
    row(
      `detect(): RGB frame ${width}x${height} (ffmpeg-scaled)`,
      await timeEach(rawScaled, (f) => detector.detect(f)),
      rawFps,
    ),
  ];
  await detector.dispose();

  const cpu = os.cpus()[0]?.model ?? 'cpu';
  printTable(
    `detector ${detector.manifest.name}: ${jpegs.length} fixture frames x ${PASSES} passes, ${os.availableParallelism()} cores (${cpu})`,
    rows,
  );
  console.log(
    'goal: the pipeline adds under 15 % to raw inference, i.e. "vs raw" at or above 0.87 on the path the edge uses (ffmpeg-scaled RGB frames)',
  );
}
