import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CameraHealthMonitor } from '../../edge/health/camera-health.ts';
import { readFrames } from '../../edge/ingest/ffmpeg-frame-reader.ts';
import { FAULT_SEGMENTS } from '../../fixtures/tools/faults-scene.ts';
import type { EdgeEvent } from '../../foundation/contract/events.ts';
import { CameraHealthSchema } from '../../foundation/edge-config/camera-health-schema.ts';

const VIDEO = path.resolve('fixtures/video');
const EPOCH = Date.parse('2026-03-01T08:00:00Z');
/** The analysed size of fixtures/configs/vtest.yaml (the detector's input). */
const SIZE = { width: 416, height: 416 };
/** Faults open after 4 s and close after 3 s here (60 s and 30 s by default), so each segment shows. */
const CONFIG = CameraHealthSchema.parse({
  intervalSeconds: 0.5,
  openSeconds: 4,
  clearSeconds: 3,
  learnSeconds: 10,
});

/** Replays a video through one camera's health diagnosis, as the edge's camera loop feeds it. */
async function diagnose(file: string): Promise<EdgeEvent[]> {
  const health = new CameraHealthMonitor({
    edgeId: 'lingnan-hub',
    cameraId: 'cam-1',
    epochMs: EPOCH,
    frame: SIZE,
    config: CONFIG,
    model: { name: 'camera-health', version: '1', sha256: 'b'.repeat(64) },
  });
  const events: EdgeEvent[] = [];
  for await (const frame of readFrames({ source: path.join(VIDEO, file), fps: 2, ...SIZE }))
    events.push(...health.observeFrame(frame, frame.time));
  events.push(...health.finish());
  return events;
}

const seconds = (iso: string | undefined) => (Date.parse(iso as string) - EPOCH) / 1000;

describe('camera health on recorded video', () => {
  it('finds no fault in the plain vtest street, even with faults opening after 4 s', async () => {
    expect(await diagnose('vtest.mp4')).toEqual([]);
  }, 120_000);

  it('raises each fault of vtest-faults.mp4 in its segment, and ends it when the picture comes back', async () => {
    const events = await diagnose('vtest-faults.mp4');
    const incidents = FAULT_SEGMENTS.map((segment) => {
      const mine = events.filter((e) => e.fault === segment.fault);
      expect(
        mine.map((e) => e.phase),
        segment.fault,
      ).toEqual(['start', 'end']);
      const [start, end] = mine as [EdgeEvent, EdgeEvent];
      return {
        fault: segment.fault,
        began: Math.abs(seconds(start.startedAt) - segment.from) <= 1,
        recovered: Math.abs(seconds(end.endedAt) - segment.to) <= 1,
      };
    });
    expect(incidents).toEqual(FAULT_SEGMENTS.map((s) => ({ fault: s.fault, began: true, recovered: true })));
    expect(events).toHaveLength(FAULT_SEGMENTS.length * 2);
  }, 120_000);
});
