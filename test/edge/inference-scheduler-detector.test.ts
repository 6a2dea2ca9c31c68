import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DetectOverrides, Detector } from '../../edge/detect/detector.ts';
import { InferenceScheduler, SupersededError } from '../../edge/detect/inference-scheduler.ts';
import type { Detection } from '../../edge/detect/types.ts';
import type { RawImage } from '../../foundation/media/frame.ts';

const FRAMES_DIR = path.resolve(import.meta.dirname, '../../fixtures/frames');

interface Frame {
  name: string;
  image: RawImage;
  options?: DetectOverrides;
}

/** Decodes a fixture JPEG to raw RGB, as a camera's frame reader hands frames on. */
async function decode(name: string): Promise<Frame> {
  const { data, info } = await sharp(path.join(FRAMES_DIR, name))
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { name, image: { data, width: info.width, height: info.height } };
}

/** Submits `frames` one by one, `intervalMs` apart, without waiting for results (a live camera). */
async function camera(
  scheduler: InferenceScheduler<Frame, Detection[]>,
  id: string,
  frames: readonly Frame[],
  intervalMs: number,
) {
  const jobs: Promise<{ frame: Frame; detections: Detection[] | undefined; superseded: boolean }>[] = [];
  for (const frame of frames) {
    // Handle the outcome at once: a superseded frame rejects as soon as the next one is submitted.
    jobs.push(
      scheduler.submit(id, frame).then(
        (detections) => ({ frame, detections, superseded: false }),
        (error: unknown) => {
          if (!(error instanceof SupersededError)) throw error;
          return { frame, detections: undefined, superseded: true };
        },
      ),
    );
    await sleep(intervalMs);
  }
  return Promise.all(jobs);
}

describe('InferenceScheduler sharing the real NanoDet detector between three cameras', () => {
  let detector: Detector;
  let frames: Frame[];
  /** Milliseconds one detection takes here (warm), to pace the simulated cameras. */
  let detectMs: number;

  beforeAll(async () => {
    detector = await Detector.load('nanodet-g-416');
    const names = (await readdir(FRAMES_DIR)).filter((n) => n.endsWith('.jpg')).sort();
    frames = await Promise.all(names.map(decode));
    const image = (frames[0] as Frame).image;
    await detector.detect(image);
    const start = performance.now();
    for (let i = 0; i < 3; i++) await detector.detect(image);
    detectMs = (performance.now() - start) / 3;
  });
  afterAll(() => detector.dispose());

  it('delivers every non-superseded frame its own detections, and starves no camera', async () => {
    const scheduler = new InferenceScheduler<Frame, Detection[]>(
      (batch) => Promise.all(batch.map((f) => detector.detect(f.image, f.options))),
      { maxBatch: 1 },
    );
    expect(frames.length).toBeGreaterThanOrEqual(20);
    const first = frames[0] as Frame;
    expect(first.name).toBe('vtest-0000.jpg');

    // A fast camera submitting far faster than the model runs, a medium one at about its rate, and
    // a slow one well below it. Each starts with vtest-0000, and its frames are its own objects, as
    // each camera's reader makes them.
    const slowMs = Math.max(50, 6 * detectMs);
    const copy = (f: Frame): Frame => ({ ...f, image: { ...f.image, data: Buffer.from(f.image.data) } });
    const [fast, medium, slow] = await Promise.all([
      camera(scheduler, 'fast', frames.map(copy), 2),
      camera(scheduler, 'medium', frames.filter((_, i) => i % 4 === 0).map(copy), detectMs),
      camera(scheduler, 'slow', [first, frames[12] as Frame, frames[24] as Frame].map(copy), slowMs),
    ]);
    await scheduler.close();

    // Each result is the detections of the frame that camera submitted: the same as running the
    // detector on that frame alone.
    const reference = new Map<string, Detection[]>();
    for (const frame of frames) reference.set(frame.name, await detector.detect(frame.image));
    const all = [...fast, ...medium, ...slow];
    for (const { frame, detections } of all) {
      if (detections) expect(detections).toEqual(reference.get(frame.name));
    }
    const persons = (ds: Detection[] | undefined) => (ds ?? []).filter((d) => d.label === 'person').length;
    expect(persons(reference.get(first.name))).toBeGreaterThanOrEqual(3);
    const firstResults = all.filter((r) => r.frame.name === first.name && r.detections);
    expect(firstResults.length).toBeGreaterThan(0);
    for (const r of firstResults) expect(persons(r.detections)).toBeGreaterThanOrEqual(3);

    // No starvation: every camera got results, and every camera's last frame (nothing replaced it)
    // was run.
    for (const results of [fast, medium, slow]) {
      expect(results.filter((r) => r.detections).length).toBeGreaterThan(0);
      expect(results.at(-1)?.superseded).toBe(false);
    }
    const { sources, totals } = scheduler.stats();
    const stats = Object.fromEntries(sources.map((s) => [s.sourceId, s]));
    expect(stats.slow?.completed).toBeGreaterThanOrEqual(2);
    // Round-robin bounds the slow camera's wait by about three runs (the one in flight, then at most
    // one job of each other camera), however fast the fast camera submits. Relative to the measured
    // run time, so a loaded machine does not make it flaky.
    expect(stats.slow?.meanWaitMs).toBeLessThan(3.5 * totals.meanRunMs + 25);
    expect(stats.medium?.completed).toBeGreaterThan(0);
    for (const s of Object.values(stats)) {
      expect(s.completed + s.superseded).toBe(s.submitted);
      expect(s.meanRunMs).toBeGreaterThan(0);
    }
    expect(totals.failed).toBe(0);
    expect(stats.fast?.superseded).toBeGreaterThan(0);
  });
});
