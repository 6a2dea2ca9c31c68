import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Detector } from '../../edge/detect/detector.ts';
import { iou } from '../../edge/detect/nms.ts';
import type { Detection } from '../../edge/detect/types.ts';
import { EdgeError } from '../../edge/errors.ts';
import type { Box } from '../../foundation/media/frame.ts';
import { type GroundTruth, loadGroundTruth } from '../eval/ground-truth.ts';

const rect = ([x1, y1, x2, y2]: Box) => ({ x1, y1, x2, y2 });
const VEHICLES = new Set(['car', 'truck', 'bus']);

function bestMatch(truthBox: Box, detections: readonly Detection[], labels: Set<string>): number {
  return Math.max(
    0,
    ...detections.filter((d) => labels.has(d.label)).map((d) => iou(rect(truthBox), rect(d.box))),
  );
}

describe('NanoDet detector on the vtest fixture frames', () => {
  let detector: Detector;
  let truth: GroundTruth;

  beforeAll(async () => {
    detector = await Detector.load('nanodet-g-416');
    truth = await loadGroundTruth();
  });
  afterAll(() => detector.dispose());

  it('finds most labelled people and the parked van where they are, in image pixels', async () => {
    let people = 0;
    let found = 0;
    let vansFound = 0;
    for (const frame of truth.frames.slice(0, 6)) {
      const detections = await detector.detect(frame.image);
      for (const object of frame.objects.filter((o) => !o.ignore)) {
        if (object.label === 'person') {
          people += 1;
          if (bestMatch(object.box, detections, new Set(['person'])) >= 0.5) found += 1;
        }
      }
      const van = frame.objects.find(
        (o) => o.label === 'truck' && !o.ignore && o.box[0] > 600 && o.box[1] < 120,
      );
      if (van && bestMatch(van.box, detections, VEHICLES) >= 0.5) vansFound += 1;
    }
    expect(people).toBeGreaterThan(10);
    expect(found / people).toBeGreaterThan(0.6);
    expect(vansFound).toBe(6);
  });

  it('maps boxes back to the source image: padding the frame shifts every box by the padding', async () => {
    const image = truth.frames[3]?.image as string;
    const plain = await detector.detect(image, { scoreThreshold: 0.5 });
    const padded = await sharp(image)
      .extend({ left: 192, right: 0, top: 144, bottom: 0, background: '#808080' })
      .jpeg({ quality: 95 })
      .toBuffer();
    const shifted = await detector.detect(padded, { scoreThreshold: 0.3 });
    expect(plain.length).toBeGreaterThan(2);
    for (const d of plain) {
      const [x1, y1, x2, y2] = d.box;
      const expected: Box = [x1 + 192, y1 + 144, x2 + 192, y2 + 144];
      expect(bestMatch(expected, shifted, new Set([d.label])), `${d.label} at ${d.box}`).toBeGreaterThan(0.6);
    }
  });

  it('reports a corrupt image clearly and keeps working for the next one', async () => {
    const jpeg = await readFile(truth.frames[0]?.image as string);
    const corrupt = jpeg.subarray(0, 200);
    const error = await detector.detect(corrupt).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(EdgeError);
    expect((error as EdgeError).code).toBe('IMAGE_UNREADABLE');
    expect((error as Error).message).toContain('200 bytes');
    expect((await detector.detect(jpeg)).some((d) => d.label === 'person')).toBe(true);
  });

  it('takes a raw RGB frame as ffmpeg hands it over and finds the same objects', async () => {
    const image = truth.frames[3]?.image as string;
    const fromJpeg = await detector.detect(image, { scoreThreshold: 0.5 });
    const { data, info } = await sharp(image).raw().toBuffer({ resolveWithObject: true });
    const fromRaw = await detector.detect(
      { data, width: info.width, height: info.height },
      { scoreThreshold: 0.4 },
    );
    for (const d of fromJpeg) expect(bestMatch(d.box, fromRaw, new Set([d.label]))).toBeGreaterThan(0.8);
  });
});
