import os from 'node:os';
import { Detector } from '../../edge/detect/detector.ts';
import { DEFAULT_MODEL } from '../../edge/detect/model-manifest.ts';
import { DEFAULT_PLATE_READER, plateReader } from '../../edge/plates/plate-reader.ts';
import { plateSearchRegion } from '../../edge/plates/plate-region.ts';
import { TextDetector } from '../../edge/plates/text-detector.ts';
import { TextRecognizer } from '../../edge/plates/text-recognizer.ts';
import { decodeRgb } from '../../foundation/media/decode-rgb.ts';
import type { Box, RawImage } from '../../foundation/media/frame.ts';
import { loadPlateTruth } from '../eval/plate-ground-truth.ts';
import { percentile, printTable } from './stats.ts';

const PASSES = 3;
const WARMUP = 3;
/** Plate heights whose stills the bench reads: a small, a middle and a large plate. */
const HEIGHTS = [12, 24, 40];
/** A 768x576 fixture frame for the detector's baseline. */
const BASELINE_FRAME = 'fixtures/frames/vtest-0033.jpg';

async function time(items: number, run: (k: number) => Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  for (let pass = 0; pass < PASSES; pass++) {
    for (let k = 0; k < items; k++) {
      const t = performance.now();
      await run(k);
      samples.push(performance.now() - t);
    }
  }
  return samples;
}

/**
 * OCR cost of one truck's plate read (text detection in the lower part of its box, recognition of
 * the plate-shaped lines, validation) against the detector alone on one 768x576 frame, the cost
 * every analysed frame already pays. Both on the same threads, in this process.
 */
export async function benchPlates(): Promise<void> {
  const threads = Math.min(4, os.availableParallelism());
  const truth = await loadPlateTruth();
  const items = truth.cases.filter((c) => c.readable && HEIGHTS.includes(c.plateHeight));
  const stills = await Promise.all(
    items.map(async (c) => ({
      image: await decodeRgb(c.frames[0]?.file as string),
      vehicle: c.frames[0]?.vehicle as Box,
    })),
  );
  const frame = await decodeRgb(BASELINE_FRAME);
  const detector = await Detector.load(DEFAULT_MODEL, { threads });
  const textDetector = await TextDetector.load('ppocr-det', threads);
  const recognizer = await TextRecognizer.load('ppocr-rec', threads);
  const read = plateReader(textDetector, recognizer, DEFAULT_PLATE_READER);
  try {
    for (let k = 0; k < WARMUP; k++) {
      await detector.detect(frame);
      await read(stills[k % stills.length]?.image as RawImage, stills[k % stills.length]?.vehicle as Box);
    }
    const load = os.loadavg()[0] ?? 0;
    const base = await time(stills.length, () => detector.detect(frame));
    const plate = await time(stills.length, (k) =>
      read(stills[k]?.image as RawImage, stills[k]?.vehicle as Box),
    );
    const detOnly = await time(stills.length, (k) => {
      const s = stills[k] as { image: RawImage; vehicle: Box };
      const region = plateSearchRegion(
        s.vehicle,
        DEFAULT_PLATE_READER.region,
        s.image.width,
        s.image.height,
      ) as Box;
      return textDetector.detect(s.image, region);
    });
    const p50 = percentile(base, 50);
    printTable(
      `plates: OCR per truck vs the detector on one frame (${threads} threads, load ${load.toFixed(2)})`,
      [
        ['path', 'p50 ms', 'p95 ms', 'vs detector'],
        [
          `detector ${DEFAULT_MODEL}, one ${frame.width}x${frame.height} frame (baseline)`,
          p50,
          percentile(base, 95),
          1,
        ],
        [
          'plate read per truck: text detection + recognition',
          percentile(plate, 50),
          percentile(plate, 95),
          percentile(plate, 50) / p50,
        ],
        [
          '  of which text detection',
          percentile(detOnly, 50),
          percentile(detOnly, 95),
          percentile(detOnly, 50) / p50,
        ],
      ],
    );
    console.log(
      `  ${stills.length} trucks (plates ${HEIGHTS.join(', ')} px), ${PASSES} passes; load average after: ${os.loadavg()[0]?.toFixed(2)}`,
    );
  } finally {
    await detector.dispose();
    await textDetector.dispose();
    await recognizer.dispose();
  }
}
