import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Detector } from '../../edge/detect/detector.ts';
import { iou } from '../../edge/detect/nms.ts';
import { readFrames } from '../../edge/ingest/ffmpeg-frame-reader.ts';
import { ByteTracker, COCO_VEHICLE_GROUP } from '../../edge/track/byte-tracker.ts';
import type { Box } from '../../foundation/media/frame.ts';

interface LabelledTrack {
  video: string;
  fps: number;
  width: number;
  height: number;
  labelledBy: string;
  frames: { index: number; box: Box }[];
}

const FIXTURE = 'fixtures/tracks/vtest-person-track.json';
/** Analysis rate: every other frame of the 10 fps video, as an edge box would run it. */
const ANALYSIS_FPS = 5;
/** Tracking starts this long before the first labelled frame, so the track can be confirmed by then. */
const WARM_UP_SECONDS = 1;
const MIN_IOU = 0.3;

const rect = ([x1, y1, x2, y2]: Box) => ({ x1, y1, x2, y2 });

describe('ByteTracker on the vtest video, against a hand-labelled person track', () => {
  let detector: Detector;
  let fixture: LabelledTrack;

  beforeAll(async () => {
    fixture = JSON.parse(await readFile(FIXTURE, 'utf8')) as LabelledTrack;
    detector = await Detector.load('nanodet-g-416');
  });
  afterAll(() => detector.dispose());

  it('follows the person with at most one id switch over at least 80 % of the labelled frames', async () => {
    const labelled = new Map(fixture.frames.map((f) => [f.index / fixture.fps, f.box] as const));
    const firstTime = Math.min(...labelled.keys());
    const lastTime = Math.max(...labelled.keys());
    expect(lastTime - firstTime).toBeGreaterThanOrEqual(8);

    const tracker = new ByteTracker({ labelGroups: [COCO_VEHICLE_GROUP] });
    const idAt: (number | undefined)[] = [];
    let analysed = 0;
    // readFrames cannot seek: frames before the span are decoded (fast) but not analysed.
    for await (const frame of readFrames({
      source: fixture.video,
      fps: ANALYSIS_FPS,
      width: fixture.width,
      height: fixture.height,
    })) {
      const time = Math.round(frame.time * fixture.fps) / fixture.fps;
      if (time < firstTime - WARM_UP_SECONDS) continue;
      if (time > lastTime) break;
      // Down to ByteTrack's low-score band: those detections keep tracks alive.
      const detections = await detector.detect(frame, { scoreThreshold: tracker.options.lowScore });
      const tracks = tracker.update(detections, time);
      analysed += 1;
      const truth = labelled.get(time);
      if (!truth) continue;
      let bestIou = MIN_IOU;
      let bestId: number | undefined;
      for (const track of tracks) {
        const overlap = iou(rect(truth), rect(track.box));
        if (overlap >= bestIou) {
          bestIou = overlap;
          bestId = track.id;
        }
      }
      idAt.push(bestId);
    }

    expect(idAt).toHaveLength(fixture.frames.length);
    const covered = idAt.filter((id) => id !== undefined);
    let switches = 0;
    for (let k = 1; k < covered.length; k++) if (covered[k] !== covered[k - 1]) switches += 1;
    const coverage = covered.length / idAt.length;
    console.log(
      `vtest person track: ${analysed} frames analysed at ${ANALYSIS_FPS} fps, ` +
        `${covered.length}/${idAt.length} labelled frames covered (${(coverage * 100).toFixed(0)} %), ` +
        `${switches} id switch(es), ids ${idAt.map((id) => id ?? '-').join(' ')}`,
    );
    expect(switches).toBeLessThanOrEqual(1);
    expect(coverage).toBeGreaterThanOrEqual(0.8);
  });
});
