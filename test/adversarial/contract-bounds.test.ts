// Issue 18, items 1 and 9 (the contract's side): every string of events, statuses and telemetry
// refuses NUL and other control characters, every size and time is bounded, and each refusal
// names the field at fault; the edge's event builder keeps within the object limit.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { buildEvent } from '../../edge/events/event-builder.ts';
import type { IncidentTransition } from '../../edge/rules/incident-lifecycle.ts';
import { EdgeStatusSchema } from '../../foundation/contract/edge-status.ts';
import { EventSchema, parseIncidentMessage } from '../../foundation/contract/events.ts';
import { CONTRACT_LIMITS as L, toContractText } from '../../foundation/contract/limits.ts';
import { parseTelemetry } from '../../foundation/contract/telemetry.ts';

const object = (score = 0.8) => ({ trackId: 1, label: 'person', score, box: [0.1, 0.2, 0.3, 0.4] });
const event = {
  schemaVersion: 1,
  eventId: 'ln:cam:vending:1:0',
  incidentId: 'ln:cam:vending:1',
  sequence: 0,
  type: 'street_vending',
  phase: 'start',
  edgeId: 'lingnan-hub',
  cameraId: 'ln-market',
  scenario: 'vending_pavement',
  zone: 'pavement',
  startedAt: '2026-11-21T04:00:00.000Z',
  observedAt: '2026-11-21T04:00:10.000Z',
  confidence: 0.8,
  objectCount: 1,
  objects: [object()],
  model: { name: 'nanodet-g-416', version: '1', sha256: 'a'.repeat(64) },
  frame: { width: 768, height: 576 },
};
const device = {
  schemaVersion: 1,
  eventId: 'iot-hub:truck-7:no-go:1:0',
  incidentId: 'iot-hub:truck-7:no-go:1',
  sequence: 0,
  type: 'muck_truck_no_go',
  phase: 'start',
  source: 'device',
  nodeId: 'iot-hub',
  deviceId: 'truck-7',
  rule: 'no_go_school',
  startedAt: '2026-11-21T03:58:00Z',
  observedAt: '2026-11-21T03:58:30Z',
  confidence: 1,
};
const camera = { id: 'ln-market', state: 'running', lastFrameTime: null, reconnects: 0, lastError: null };
const status = { state: 'online', edgeId: 'lingnan-hub', clientId: 'edge-lingnan-hub', cameras: [camera] };
const position = {
  type: 'position',
  deviceId: 'truck-7',
  plate: '粤A12345',
  lat: 23.13,
  lon: 113.24,
  speedKmh: 20,
  time: '2026-11-21T04:00:00Z',
};
const sensor = {
  type: 'sensor',
  deviceId: 'pm-1',
  kind: 'pm10',
  value: 80,
  unit: 'µg/m³',
  time: position.time,
};

const many = <T>(n: number, item: (k: number) => T) => Array.from({ length: n }, (_, k) => item(k));
const record = (n: number) => Object.fromEntries(many(n, (k) => [`k${k}`, k]));
const long = (n: number) => 'x'.repeat(n);

type Kind = 'event' | 'status' | 'telemetry';
/** The contract's verdict on a payload: undefined when accepted, else the error naming the fields. */
function refusal(kind: Kind, payload: unknown): string | undefined {
  if (kind === 'event') {
    const parsed = parseIncidentMessage(payload);
    return parsed.ok ? undefined : parsed.error;
  }
  if (kind === 'telemetry') {
    const parsed = parseTelemetry(payload);
    return parsed.ok ? undefined : parsed.error;
  }
  const parsed = EdgeStatusSchema.safeParse(payload);
  return parsed.success ? undefined : z.prettifyError(parsed.error);
}

describe('the contract refuses hostile strings, sizes and times, naming the field', () => {
  it.each<[string, Kind, unknown, string]>([
    [
      "NUL in a camera's lastError",
      'status',
      { ...status, cameras: [{ ...camera, lastError: 'bad\u0000err' }] },
      'cameras[0].lastError',
    ],
    [
      'ESC in a camera state',
      'status',
      { ...status, cameras: [{ ...camera, state: 'run\u001b[0m' }] },
      'cameras[0].state',
    ],
    [
      'a lastError over the limit',
      'status',
      { ...status, cameras: [{ ...camera, lastError: long(L.errorChars + 1) }] },
      'cameras[0].lastError',
    ],
    [
      'too many cameras',
      'status',
      { ...status, cameras: many(L.cameras + 1, (k) => ({ ...camera, id: `c${k}` })) },
      'cameras',
    ],
    ['NUL in the client id', 'status', { ...status, clientId: 'edge\u0000' }, 'clientId'],
    ['a status at in year 0000', 'status', { ...status, at: '0000-06-01T00:00:00Z' }, 'at'],
    ['NUL in the scenario', 'event', { ...event, scenario: 'stall\u0000' }, 'scenario'],
    ['an unpaired surrogate in the zone', 'event', { ...event, zone: 'pave\ud800ment' }, 'zone'],
    [
      'a control character in a label',
      'event',
      { ...event, objects: [{ ...object(), label: 'per\u0007son' }] },
      'objects[0].label',
    ],
    [
      'NUL in an attribute name',
      'event',
      { ...event, objects: [{ ...object(), attributes: { 'a\u0000': 1 } }] },
      'objects[0].attributes',
    ],
    [
      'a model name over the limit',
      'event',
      { ...event, model: { ...event.model, name: long(L.nameChars + 1) } },
      'model.name',
    ],
    ['an eventId over the limit', 'event', { ...event, eventId: long(L.messageIdChars + 1) }, 'eventId'],
    ['a 1 MB scenario', 'event', { ...event, scenario: long(1024 * 1024) }, 'scenario'],
    [
      'too many objects',
      'event',
      { ...event, objectCount: L.objects + 1, objects: many(L.objects + 1, () => object()) },
      'objects',
    ],
    [
      'too many attributes',
      'event',
      { ...event, objects: [{ ...object(), attributes: record(L.recordEntries + 1) }] },
      'objects[0].attributes',
    ],
    ['too many counts', 'event', { ...event, counts: record(L.recordEntries + 1) }, 'counts'],
    ['a sequence past 32 bits', 'event', { ...event, sequence: L.sequence + 1 }, 'sequence'],
    [
      'too long an outline',
      'event',
      { ...event, geometry: { image: many(L.outlinePoints + 1, () => [0.5, 0.5]) } },
      'geometry.image',
    ],
    [
      'year 9999',
      'event',
      { ...event, startedAt: '9999-01-01T00:00:00Z', observedAt: '9999-01-01T00:00:00Z' },
      'startedAt',
    ],
    ['year 0001', 'event', { ...event, startedAt: '0001-01-01T00:00:00Z' }, 'startedAt'],
    [
      'observedAt before startedAt',
      'event',
      { ...event, observedAt: '2026-11-21T03:59:59.000Z' },
      'observedAt is before startedAt',
    ],
    [
      'endedAt before startedAt',
      'event',
      { ...event, phase: 'end', endedAt: '2026-11-21T03:00:00Z' },
      'endedAt is before startedAt',
    ],
    [
      'a clip that ends before it starts',
      'event',
      {
        ...event,
        evidence: {
          clip: {
            sha256: 'b'.repeat(64),
            size: 9,
            contentType: 'video/mp4',
            startsAt: '2026-11-21T04:00:05Z',
            endsAt: '2026-11-21T04:00:00Z',
          },
        },
      },
      'evidence.clip.endsAt',
    ],
    ["NUL in a device event's rule", 'event', { ...device, rule: 'no\u0000go' }, 'rule'],
    ['a device id over the limit', 'event', { ...device, deviceId: long(L.idChars + 1) }, 'deviceId'],
    [
      'a device event observed before it started',
      'event',
      { ...device, observedAt: '2026-11-21T03:00:00Z' },
      'observedAt is before startedAt',
    ],
    [
      'too many vehicles',
      'event',
      {
        ...event,
        type: 'muck_truck_uncovered',
        vehicles: many(L.vehicles + 1, () => ({
          deviceId: 't',
          distanceMeters: 1,
          offsetSeconds: 0,
          cover: 'unknown',
          score: 0.5,
        })),
      },
      'vehicles',
    ],
    ['NUL in a plate', 'telemetry', { ...position, plate: '粤A\u000012345' }, 'plate'],
    ['a control character in a unit', 'telemetry', { ...sensor, unit: 'dB\u0001' }, 'unit'],
    ['a reading from 1999', 'telemetry', { ...sensor, time: '1999-12-31T23:59:59Z' }, 'time'],
  ])('%s', (_, kind, payload, named) => {
    expect(refusal(kind, payload)).toContain(named);
  });

  it.each<[string, Kind, unknown]>([
    ['a valid event', 'event', event],
    [
      'exactly the limits',
      'event',
      {
        ...event,
        objectCount: L.objects,
        objects: many(L.objects, () => ({ ...object(), attributes: record(L.recordEntries) })),
        counts: record(L.recordEntries),
        scenario: long(L.nameChars),
      },
    ],
    [
      'tab, newline and carriage return in text',
      'event',
      { ...event, evidence: { missing: [{ file: 'clip', reason: 'recorder:\tdown\r\nretrying' }] } },
    ],
    [
      "times at the window's edges",
      'event',
      { ...event, startedAt: L.earliestTime, observedAt: '2099-12-31T23:59:59.999Z' },
    ],
    ['a paired surrogate (an emoji)', 'event', { ...event, zone: 'market 🛒' }],
    ['a valid device event', 'event', device],
    [
      'a Last Will',
      'status',
      { state: 'offline', edgeId: 'lingnan-hub', clientId: 'edge-lingnan-hub', reason: 'connection lost' },
    ],
    [
      'a status from a clock at 1970 (shown as its offset)',
      'status',
      { ...status, at: '1970-01-01T00:00:05Z' },
    ],
    ['a status from a clock at 9999', 'status', { ...status, at: '9999-01-01T00:00:00Z' }],
    [
      'a lastError at the limit',
      'status',
      { ...status, cameras: [{ ...camera, lastError: long(L.errorChars) }] },
    ],
    ['a valid position', 'telemetry', position],
    ['a valid sensor reading', 'telemetry', sensor],
  ])('accepts %s', (_, kind, payload) => {
    expect(refusal(kind, payload)).toBeUndefined();
  });

  it('makes any text fit: forbidden characters replaced, cut with an ellipsis, never half a surrogate pair', () => {
    const fitted = toContractText(`ffmpeg\u0000 said\u001b[31m ${'🛒'.repeat(600)}`, L.errorChars);
    expect(fitted.length).toBeLessThanOrEqual(L.errorChars);
    expect(fitted.startsWith('ffmpeg\ufffd said\ufffd[31m 🛒')).toBe(true);
    expect(fitted.endsWith('🛒…')).toBe(true);
    expect(refusal('status', { ...status, cameras: [{ ...camera, lastError: fitted }] })).toBeUndefined();
  });
});

describe("the edge's event builder keeps within the object limit", () => {
  it('lists the highest scores in their order and keeps the true count', () => {
    const total = L.objects + 100;
    const objects = many(total, (k) => ({
      key: k,
      trackId: k,
      label: 'person',
      // Scores go down and up again, so the highest are not simply the first.
      score: ((k * 37) % total) / total,
      box: [10, 10, 20, 20] as [number, number, number, number],
      enteredAt: 0,
      lastSeenAt: 5,
      stationarySince: 0,
      anchorX: 15,
      anchorY: 20,
    }));
    const transition: IncidentTransition = {
      phase: 'start',
      sequence: 0,
      startedAt: 5,
      observedAt: 5,
      objects,
      confidence: 0.9,
    };
    const built = EventSchema.parse(
      buildEvent(transition, {
        edgeId: 'lingnan-hub',
        cameraId: 'ln-market',
        scenario: 'crowd',
        type: 'loitering',
        model: { name: 'nanodet-g-416', version: '1', sha256: 'a'.repeat(64) },
        frame: { width: 100, height: 100 },
        epochMs: Date.UTC(2026, 10, 21, 4),
      }),
    );
    expect(built.objectCount).toBe(total);
    expect(built.objects).toHaveLength(L.objects);
    const lowestKept = Math.min(...built.objects.map((o) => o.score));
    const dropped = objects.filter((o) => !built.objects.some((b) => b.trackId === o.key));
    expect(dropped).toHaveLength(100);
    expect(Math.max(...dropped.map((o) => o.score))).toBeLessThanOrEqual(lowestKept);
    const order = built.objects.map((o) => o.trackId);
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });
});
