import { describe, expect, it } from 'vitest';
import {
  DeviceEventSchema,
  EVENT_SCHEMA_VERSION,
  isDeviceEvent,
  parseEvent,
  parseIncidentMessage,
} from '../../foundation/contract/events.ts';
import { parseTelemetry } from '../../foundation/contract/telemetry.ts';
import { parseEventTopic, parseTelemetryTopic, topics } from '../../foundation/contract/topics.ts';

const camera = {
  schemaVersion: EVENT_SCHEMA_VERSION,
  eventId: 'edge-1:gate-3:muck:1763766000000:0',
  incidentId: 'edge-1:gate-3:muck:1763766000000',
  sequence: 0,
  type: 'muck_truck_uncovered',
  phase: 'start',
  edgeId: 'edge-1',
  cameraId: 'gate-3',
  scenario: 'muck',
  startedAt: '2026-11-21T10:00:00.000Z',
  observedAt: '2026-11-21T10:00:02.000Z',
  confidence: 0.8,
  objectCount: 1,
  objects: [{ trackId: 4, label: 'truck', score: 0.8, box: [0.1, 0.2, 0.5, 0.6] }],
  model: { name: 'nanodet-g-416', version: '1.0.0', sha256: 'a'.repeat(64) },
  frame: { width: 768, height: 576 },
};

const device = {
  schemaVersion: EVENT_SCHEMA_VERSION,
  eventId: 'panyu-iot:school-no-go:truck-a:1763766000000:0',
  incidentId: 'panyu-iot:school-no-go:truck-a:1763766000000',
  sequence: 0,
  type: 'muck_truck_no_go',
  phase: 'start',
  source: 'device',
  nodeId: 'panyu-iot',
  deviceId: 'truck-a',
  plate: '粤AD1234',
  rule: 'school-no-go',
  zone: 'shiqiao-school',
  location: { lat: 22.94, lon: 113.37 },
  startedAt: '2026-11-21T10:00:00.000Z',
  observedAt: '2026-11-21T10:00:00.000Z',
  confidence: 1,
  readings: { metric: 'speed_kmh', unit: 'km/h', count: 1, min: 25, max: 25, mean: 25, last: 25 },
};

describe('device events in the shared contract', () => {
  it('camera events parse as before, with or without source: camera, through either parser', () => {
    const plain = parseEvent(camera);
    expect(plain.ok && plain.event.evidence).toEqual({});
    const either = parseIncidentMessage(camera);
    expect(either.ok && !isDeviceEvent(either.event)).toBe(true);
    expect(parseIncidentMessage({ ...camera, source: 'camera' }).ok).toBe(true);
    expect(parseEvent({ ...camera, source: 'drone' }).ok).toBe(false);
  });

  it('device events parse by source, and are not camera events', () => {
    const result = parseIncidentMessage(device);
    expect(result.ok && isDeviceEvent(result.event) && result.event.plate).toBe('粤AD1234');
    expect(parseEvent(device).ok).toBe(false);
    const bad = parseIncidentMessage({ ...device, type: 'street_vending', location: { lat: 91, lon: 0 } });
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.error).toContain('type');
      expect(bad.error).toContain('location.lat');
    }
    // Without source: read as a camera event, which it is not.
    const { source: _, ...unsourced } = device;
    const asCamera = parseIncidentMessage(unsourced);
    expect(asCamera.ok).toBe(false);
    if (!asCamera.ok) expect(asCamera.error).toContain('cameraId');
  });

  it('camera events may carry ranked candidate vehicles', () => {
    const vehicles = [
      {
        deviceId: 'truck-b',
        plate: '粤AF5678',
        distanceMeters: 12.5,
        offsetSeconds: -3,
        cover: 'confirms',
        score: 0.9,
      },
    ];
    expect(parseEvent({ ...camera, vehicles }).ok).toBe(true);
    expect(parseEvent({ ...camera, vehicles: [{ ...vehicles[0], cover: 'maybe' }] }).ok).toBe(false);
  });

  it('device events and telemetry have their topics', () => {
    expect(topics.deviceEvent('panyu-iot', 'speeding')).toBe('edges/panyu-iot/events/speeding');
    expect(parseEventTopic(topics.deviceEvent('panyu-iot', 'speeding'))).toEqual({
      edgeId: 'panyu-iot',
      type: 'speeding',
    });
    expect(topics.telemetry('truck-a')).toBe('devices/truck-a/telemetry');
    expect(parseTelemetryTopic('devices/truck-a/telemetry')).toEqual({ deviceId: 'truck-a' });
    expect(parseTelemetryTopic('devices/truck-a/status')).toBeUndefined();
    expect(topics.sharedTelemetry('rules')).toBe('$share/rules/devices/+/telemetry');
    expect(DeviceEventSchema.shape.type.options).toContain('device_silent');
  });

  it('telemetry: positions and sensor readings, discriminated by type', () => {
    const ok = parseTelemetry({
      type: 'sensor',
      deviceId: 'dust-1',
      kind: 'pm10',
      value: 80,
      unit: 'µg/m³',
      time: '2026-11-21T10:00:00+08:00',
    });
    expect(ok.ok && ok.value.schemaVersion).toBe(1);
    const bad = parseTelemetry({
      type: 'position',
      deviceId: 'truck/a',
      plate: '',
      lat: 0,
      lon: 200,
      speedKmh: 10,
      heading: 360,
      time: 'now',
      cargoCover: 'open',
    });
    expect(bad.ok).toBe(false);
    if (!bad.ok)
      for (const field of ['deviceId', 'plate', 'lon', 'heading', 'time', 'cargoCover'])
        expect(bad.error).toContain(field);
    expect(
      parseTelemetry({
        type: 'sensor',
        deviceId: 'd',
        kind: 'pm10',
        value: 1,
        unit: 'x',
        time: '2026-11-21T10:00:00Z',
        schemaVersion: 2,
      }).ok,
    ).toBe(false);
  });
});

describe('device events through the edge outbox', () => {
  it("are published on their node's event topic and ordered per device", async () => {
    const { eventMessage } = await import('../../foundation/delivery/mqtt/event-message.ts');
    const message = eventMessage('panyu-iot', device as never);
    expect(message).toMatchObject({
      cameraId: 'device:truck-a',
      phase: 'start',
      topic: 'edges/panyu-iot/events/muck_truck_no_go',
    });
    expect(DeviceEventSchema.parse(JSON.parse(message.payload)).deviceId).toBe('truck-a');
    expect(() => eventMessage('other-node', device as never)).toThrow(
      /event of node panyu-iot on edge other-node/,
    );
    expect(() => eventMessage('panyu-iot', { ...device, location: { lat: 91, lon: 0 } } as never)).toThrow(
      /location\.lat/,
    );
  });
});
