import { describe, expect, it } from 'vitest';
import { CameraHealthMonitor } from '../../edge/health/camera-health.ts';
import { type CameraFault, type EdgeEvent, parseEvent } from '../../foundation/contract/events.ts';
import { CameraHealthSchema } from '../../foundation/edge-config/camera-health-schema.ts';
import type { RawImage } from '../../foundation/media/frame.ts';
import { blurred, covered, flat, HEIGHT, NORMAL_VIEW, sceneFrame, WIDTH } from './synthetic-scene.ts';

const EPOCH = Date.parse('2026-03-01T08:00:00Z');
/** Short times so a test is seconds of stream, not minutes; the logic is the same at the defaults. */
const FAST = { intervalSeconds: 0.5, openSeconds: 5, clearSeconds: 3, learnSeconds: 5 };
const STEP = 0.5;

function monitor(overrides: Record<string, unknown> = {}): CameraHealthMonitor {
  return new CameraHealthMonitor({
    edgeId: 'lingnan-hub',
    cameraId: 'cam-1',
    epochMs: EPOCH,
    frame: { width: WIDTH, height: HEIGHT },
    config: CameraHealthSchema.parse({ ...FAST, ...overrides }),
    model: { name: 'camera-health', version: '1', sha256: 'a'.repeat(64) },
  });
}

interface Phase {
  seconds: number;
  frame: (index: number) => RawImage;
}

/** Feeds the phases' frames at 2 per second; returns every event and when each phase began. */
function run(health: CameraHealthMonitor, phases: Phase[]): { events: EdgeEvent[]; starts: number[] } {
  const events: EdgeEvent[] = [];
  const starts: number[] = [];
  let index = 0;
  for (const phase of phases) {
    starts.push(index * STEP);
    for (let n = 0; n < phase.seconds / STEP; n++, index++)
      events.push(...health.observeFrame(phase.frame(index), index * STEP));
  }
  events.push(...health.finish());
  return { events, starts };
}

const healthy: (seconds: number) => Phase = (seconds) => ({ seconds, frame: (i) => sceneFrame(i) });
const secondsOf = (iso: string | undefined) => (Date.parse(iso as string) - EPOCH) / 1000;

/** The fault's one incident: a start and an end, both valid contract events naming the fault. */
function onlyIncident(events: EdgeEvent[], fault: CameraFault) {
  expect(events.map((e) => `${e.fault}:${e.phase}`)).toEqual([`${fault}:start`, `${fault}:end`]);
  for (const event of events) {
    expect(parseEvent(JSON.parse(JSON.stringify(event))).ok).toBe(true);
    expect(event.type).toBe('camera_fault');
  }
  const [start, end] = events as [EdgeEvent, EdgeEvent];
  expect(end.incidentId).toBe(start.incidentId);
  return { start, end };
}

const FAULT_FRAMES: Record<Exclude<CameraFault, 'no_signal'>, (i: number) => RawImage> = {
  black: (i) => flat(i, 4),
  overexposed: (i) => flat(i, 252),
  covered: (i) => covered(sceneFrame(i)),
  frozen: () => sceneFrame(40),
  blurred: (i) => blurred(sceneFrame(i), 3),
  scene_changed: (i) => sceneFrame(i, { ...NORMAL_VIEW, offsetX: 260, offsetY: 200 }),
  noisy: (i) => sceneFrame(i, NORMAL_VIEW, 25),
};

describe('camera health diagnosis on synthetic frames', () => {
  for (const [fault, frame] of Object.entries(FAULT_FRAMES) as [CameraFault, (i: number) => RawImage][]) {
    it(`raises ${fault} once it lasts, dated from when it began, and ends it after the recovery`, () => {
      const { events, starts } = run(monitor(), [healthy(10), { seconds: 10, frame }, healthy(8)]);
      const { start, end } = onlyIncident(events, fault);
      const began = starts[1] as number;
      const recovered = starts[2] as number;
      // A frozen picture shows from its second frame on: one diagnosis interval late at most.
      expect(secondsOf(start.startedAt)).toBeGreaterThanOrEqual(began);
      expect(secondsOf(start.startedAt)).toBeLessThanOrEqual(began + STEP);
      // Opened openSeconds (5) after it began; ended clearSeconds (3) after the recovery.
      expect(secondsOf(start.observedAt) - secondsOf(start.startedAt)).toBeGreaterThanOrEqual(5);
      expect(secondsOf(start.observedAt)).toBeLessThan(began + 6);
      expect(secondsOf(end.endedAt)).toBeGreaterThanOrEqual(recovered - 1);
      expect(secondsOf(end.endedAt)).toBeLessThanOrEqual(recovered);
      expect(secondsOf(end.observedAt)).toBeGreaterThanOrEqual(recovered + 2);
      expect(Object.keys(start.counts ?? {})).toHaveLength(1);
    });
  }

  it('raises nothing for a fault shorter than openSeconds', () => {
    const { events } = run(monitor(), [healthy(10), { seconds: 3, frame: FAULT_FRAMES.black }, healthy(8)]);
    expect(events).toEqual([]);
  });

  it('takes light changes, a naturally soft scene and a small sway for healthy pictures', () => {
    const dusk = run(monitor(), [
      healthy(10),
      { seconds: 20, frame: (i) => sceneFrame(i, { ...NORMAL_VIEW, gain: 0.55 }) },
    ]);
    expect(dusk.events).toEqual([]);
    const soft = run(monitor(), [{ seconds: 30, frame: (i) => blurred(sceneFrame(i), 3) }]);
    expect(soft.events).toEqual([]);
    const sway = { ...NORMAL_VIEW, offsetX: NORMAL_VIEW.offsetX + 3, offsetY: NORMAL_VIEW.offsetY - 2 };
    const swaying = run(monitor(), [healthy(10), { seconds: 20, frame: (i) => sceneFrame(i, sway) }]);
    expect(swaying.events).toEqual([]);
  });

  it('tells no signal from the source state, and ends it when frames come back', () => {
    const health = monitor();
    const events: EdgeEvent[] = [];
    for (let t = 0; t <= 10; t++) events.push(...health.observeSource('backing_off', t));
    expect(health.openFaults().map((f) => f.fault)).toEqual(['no_signal']);
    for (let t = 11; t <= 15; t++) events.push(...health.observeSource('live', t));
    const { start, end } = onlyIncident(events, 'no_signal');
    expect(secondsOf(start.startedAt)).toBe(0);
    expect(secondsOf(end.endedAt)).toBe(10);
    // A file read to its end (stopped) is not a camera without signal.
    expect(monitor().observeSource('stopped', 100)).toEqual([]);
  });

  it('reports nothing of a fault the camera ignores', () => {
    const { events } = run(monitor({ ignore: ['black'] }), [
      healthy(10),
      { seconds: 10, frame: FAULT_FRAMES.black },
      healthy(5),
    ]);
    expect(events).toEqual([]);
  });

  it('diagnoses one frame per intervalSeconds however fast frames come', () => {
    const health = monitor({ intervalSeconds: 1 });
    for (let i = 0; i < 50; i++) health.observeFrame(sceneFrame(i), i * 0.2);
    expect(health.framesDiagnosed).toBe(10);
  });

  it('refuses thresholds out of range with the field named', () => {
    const parsed = CameraHealthSchema.safeParse({ black: { share: 1.5 } });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(['black', 'share']);
  });
});
