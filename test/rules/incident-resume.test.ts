import { describe, expect, it } from 'vitest';
import { IncidentLifecycle, type ScenarioObservation } from '../../edge/rules/incident-lifecycle.ts';
import {
  endAfterRestart,
  planResume,
  RESUME_MAX_DOWNTIME_SECONDS,
  RESUME_SETTLE_SECONDS,
  warmUpSeconds,
} from '../../edge/rules/incident-resume.ts';
import type { Occupant } from '../../edge/rules/zone-presence.ts';
import type { EdgeEvent } from '../../foundation/contract/events.ts';

const van: Occupant = {
  key: 7,
  trackId: 7,
  label: 'truck',
  score: 0.8,
  box: [10, 10, 50, 40],
  enteredAt: 0,
  lastSeenAt: 0,
  stationarySince: 0,
  anchorX: 30,
  anchorY: 40,
};
const seen = (active: boolean): ScenarioObservation => ({
  active,
  objects: active ? [van] : [],
  confidence: active ? 0.8 : 0,
});
const lifecycle = () => new IncidentLifecycle({ clearSeconds: 10, minUpdateSeconds: 5, scoreGain: 0.1 });

describe('an incident from before a restart, in the lifecycle', () => {
  it('raised again in time is continued: an update with the next sequence and the old start, never a start', () => {
    const l = lifecycle();
    l.resume({ startedAt: -120, sequence: 3, until: 30 });
    expect(l.step(1, seen(false))).toBeUndefined();
    expect(l.expire(20)).toBeUndefined();
    expect(l.step(22, seen(true))).toMatchObject({
      phase: 'update',
      sequence: 4,
      startedAt: -120,
      resumed: true,
    });
    expect(l.expire(1000)).toBeUndefined();
    // It goes on as any incident: ended once clear, the sequence still counting on.
    expect(l.step(28, seen(false))).toBeUndefined();
    expect(l.step(50, seen(false))).toMatchObject({
      phase: 'end',
      sequence: 5,
      startedAt: -120,
      endedAt: 22,
    });
  });

  it('not raised in time is handed back to be ended, and what comes later is a new incident', () => {
    const l = lifecycle();
    l.resume({ startedAt: -120, sequence: 3, until: 30 });
    // Raised only after its time: a new start; the old one is still there for expire, never lost.
    expect(l.step(31, seen(true))).toMatchObject({ phase: 'start', sequence: 0, startedAt: 31 });
    expect(l.expire(31)).toEqual({ startedAt: -120, sequence: 3, until: 30 });
    expect(l.expire(32)).toBeUndefined();
  });
});

describe('planResume', () => {
  const timing = { clearSeconds: 30, warmUpSeconds: 20 };
  it('continues an incident of a node back within clearSeconds plus the allowance, for warm-up + clear + settle', () => {
    const now = 1_000_000;
    const back = now - (30 + RESUME_MAX_DOWNTIME_SECONDS) * 1000;
    expect(planResume(back, now, timing)).toEqual({
      kind: 'continue',
      untilMs: now + (20 + 30 + RESUME_SETTLE_SECONDS) * 1000,
    });
  });
  it('ends one whose node was away longer', () => {
    const now = 1_000_000;
    const plan = planResume(now - (31 + RESUME_MAX_DOWNTIME_SECONDS) * 1000, now, timing);
    expect(plan).toMatchObject({ kind: 'end' });
    expect((plan as { reason: string }).reason).toMatch(/not seen for 91 s/);
  });
  it('reads the warm-up from the scenario: its dwell, and its frame counts at the fps', () => {
    expect(warmUpSeconds({ type: 'parking', maxSeconds: 120 }, 5)).toBe(120);
    expect(warmUpSeconds({ type: 'loitering', minDwellSeconds: 15 }, 5)).toBe(15);
    expect(warmUpSeconds({ type: 'muck_truck', minTrackFrames: 5, confirmFrames: 3 }, 4)).toBe(2);
    expect(warmUpSeconds({ type: 'line_crossing' }, 5)).toBe(0);
  });
});

describe('endAfterRestart', () => {
  const last: EdgeEvent = {
    schemaVersion: 1,
    eventId: 'hub:cam:parking_bay:1000:2',
    incidentId: 'hub:cam:parking_bay:1000',
    sequence: 2,
    type: 'parking',
    phase: 'update',
    edgeId: 'hub',
    cameraId: 'cam',
    scenario: 'parking_bay',
    zone: 'bay',
    startedAt: new Date(1000).toISOString(),
    observedAt: new Date(50_000).toISOString(),
    confidence: 0.8,
    objectCount: 1,
    objects: [{ trackId: 7, label: 'truck', score: 0.8, box: [0.1, 0.1, 0.2, 0.2] }],
    model: { name: 'm', version: '1', sha256: 'a'.repeat(64) },
    frame: { width: 416, height: 416 },
    evidence: {
      snapshot: { sha256: 'b'.repeat(64), size: 10, contentType: 'image/jpeg' },
      missing: [{ file: 'clip', reason: 'earlier' }],
    },
  };
  it('is the next event of the incident, ended when last seen, with its snapshot and nothing stale', () => {
    const end = endAfterRestart(last, 58_000, 90_000);
    expect(end).toMatchObject({
      eventId: 'hub:cam:parking_bay:1000:3',
      incidentId: last.incidentId,
      sequence: 3,
      phase: 'end',
      startedAt: last.startedAt,
      endedAt: new Date(58_000).toISOString(),
      observedAt: new Date(90_000).toISOString(),
      objects: last.objects,
      evidence: { snapshot: last.evidence.snapshot },
    });
    expect(end.evidence.missing).toBeUndefined();
    // Never ended before its last event's own time.
    expect(endAfterRestart(last, 10_000, 90_000).endedAt).toBe(last.observedAt);
  });
});
