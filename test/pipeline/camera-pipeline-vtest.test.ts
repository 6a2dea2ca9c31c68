import { describe, expect, it } from 'vitest';
import { type EdgeEvent, EventSchema } from '../../contract/events.ts';
import { Detector } from '../../edge/detect/detector.ts';
import { readFrames } from '../../edge/ingest/ffmpeg-frame-reader.ts';
import {
  CameraPipeline,
  type ScenarioRuntime,
  type ZoneRuntime,
} from '../../edge/pipeline/camera-pipeline.ts';
import { MotionGate } from '../../edge/pipeline/motion-gate.ts';
import type { TrackedInput } from '../../edge/rules/zone-presence.ts';
import { ByteTracker, COCO_VEHICLE_GROUP } from '../../edge/track/byte-tracker.ts';

/** A rectangle zone by bottom-centre point; the config's polygons resolve to the same shape. */
function rectangleZone(name: string, x1: number, y1: number, x2: number, y2: number): ZoneRuntime {
  return {
    name,
    contains: ({ box }: TrackedInput) => {
      const x = (box[0] + box[2]) / 2;
      return x >= x1 && x <= x2 && box[3] >= y1 && box[3] <= y2;
    },
  };
}

const lifecycle = { clearSeconds: 5, minUpdateSeconds: 5, scoreGain: 0.1 };
const scenarios: ScenarioRuntime[] = [
  {
    name: 'group-by-sign',
    type: 'loitering',
    zone: 'by-sign',
    rule: { labels: ['person'], measure: 'dwell', minSeconds: 6, minObjects: 2 },
    lifecycle,
  },
  {
    name: 'crossing-loitering',
    type: 'loitering',
    zone: 'crossing',
    rule: { labels: ['person'], measure: 'dwell', minSeconds: 10, minObjects: 1 },
    lifecycle,
  },
];

describe('camera pipeline on the vtest fixture (5 fps, first 40 s)', () => {
  it('raises one incident where two people linger by the sign and none where people only walk through', async () => {
    const detector = await Detector.load('nanodet-g-416');
    const pipeline = new CameraPipeline({
      edgeId: 'edge-test',
      cameraId: 'vtest',
      epochMs: Date.UTC(2026, 10, 21, 8, 0, 0),
      detector,
      tracker: new ByteTracker({ labelGroups: [COCO_VEHICLE_GROUP] }),
      motionGate: new MotionGate(),
      stillRecheckSeconds: 1,
      detectScore: 0.1,
      zones: [rectangleZone('by-sign', 330, 220, 470, 300), rectangleZone('crossing', 250, 150, 450, 240)],
      scenarios,
      presence: { stationaryRadius: 15, exitGraceSeconds: 2, reassociateRadius: 30, reassociateSeconds: 5 },
    });
    const events: EdgeEvent[] = [];
    for await (const frame of readFrames({
      source: 'fixtures/video/vtest.mp4',
      fps: 5,
      width: 768,
      height: 576,
    })) {
      if (frame.time > 40) break;
      events.push(...(await pipeline.process(frame, frame.time)));
    }
    events.push(...pipeline.finish());
    await detector.dispose();

    for (const event of events) EventSchema.parse(event);
    const byScenario = (name: string) => events.filter((e) => e.scenario === name);
    expect(byScenario('crossing-loitering')).toEqual([]);
    const group = byScenario('group-by-sign');
    expect(group[0]?.phase).toBe('start');
    expect(group.at(-1)?.phase).toBe('end');
    expect(new Set(group.map((e) => e.incidentId)).size).toBe(1);
    expect(group[0]?.objectCount).toBeGreaterThanOrEqual(2);
    expect(group[0]?.objects.every((o) => o.label === 'person')).toBe(true);
    const startedAt = (Date.parse(group[0]?.observedAt ?? '') - Date.UTC(2026, 10, 21, 8, 0, 0)) / 1000;
    expect(startedAt).toBeGreaterThan(6);
    expect(startedAt).toBeLessThan(16);
    expect(pipeline.counters.framesAnalysed).toBeLessThanOrEqual(pipeline.counters.framesSeen);
    console.log(
      `events: ${events.map((e) => `${e.scenario}/${e.phase}@${e.observedAt.slice(11, 19)}`).join(', ')}; frames ${pipeline.counters.framesSeen}, analysed ${pipeline.counters.framesAnalysed}, skipped by motion ${pipeline.counters.framesSkippedByMotion}`,
    );
  });
});
