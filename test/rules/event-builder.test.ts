import { describe, expect, it } from 'vitest';
import { buildEvent, type EventSource } from '../../edge/events/event-builder.ts';
import type { IncidentTransition } from '../../edge/rules/incident-lifecycle.ts';
import { EventSchema } from '../../foundation/contract/events.ts';

const source: EventSource = {
  edgeId: 'edge-demo',
  cameraId: 'vtest',
  scenario: 'vending-road',
  type: 'street_vending',
  zone: 'road',
  model: { name: 'nanodet-g-416', version: '1.0.0', sha256: 'b'.repeat(64) },
  frame: { width: 768, height: 576 },
  epochMs: Date.UTC(2026, 10, 21, 8, 0, 0),
};
const occupant = {
  key: 3,
  trackId: 9,
  label: 'person',
  score: 0.81234,
  box: [384, 288, 400, 600] as [number, number, number, number],
  enteredAt: 10,
  lastSeenAt: 40,
  stationarySince: 12,
  anchorX: 392,
  anchorY: 576,
};

describe('event builder', () => {
  const start: IncidentTransition = {
    phase: 'start',
    sequence: 0,
    startedAt: 40,
    observedAt: 40,
    objects: [occupant],
    confidence: 0.8,
  };
  const end: IncidentTransition = { ...start, phase: 'end', sequence: 2, observedAt: 90, endedAt: 80 };

  it('builds events that pass the shared schema, with boxes normalised and clamped to the frame', () => {
    const event = EventSchema.parse(buildEvent(start, source));
    expect(event.objects[0]?.box).toEqual([0.5, 0.5, 0.5208, 1]);
    expect(event.objects[0]?.trackId).toBe(3);
    expect(event.objects[0]?.dwellSeconds).toBe(30);
    expect(event.objects[0]?.stationarySeconds).toBe(28);
    expect(event.startedAt).toBe('2026-11-21T08:00:40.000Z');
  });

  it('gives every phase of one incident the same incident id and each message its own event id', () => {
    const a = buildEvent(start, source);
    const b = buildEvent(end, source);
    expect(a.incidentId).toBe(b.incidentId);
    expect(a.eventId).not.toBe(b.eventId);
    expect(buildEvent(start, source).eventId).toBe(a.eventId);
    expect(b.endedAt).toBe('2026-11-21T08:01:20.000Z');
  });
});
