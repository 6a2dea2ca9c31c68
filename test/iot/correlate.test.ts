import { describe, expect, it } from 'vitest';
import { type EdgeEvent, EVENT_SCHEMA_VERSION, parseEvent } from '../../foundation/contract/events.ts';
import type { PositionReport } from '../../foundation/contract/telemetry.ts';
import { distanceMeters } from '../../foundation/geometry/lon-lat.ts';
import { PositionStore } from '../../iot/correlate/position-store.ts';
import { rankCandidateVehicles, withCandidates } from '../../iot/correlate/rank-candidates.ts';
import { simulateVehicle } from '../../iot/simulator/simulate.ts';
import { T0 } from './helpers.ts';

const CAMERA = { lat: 22.937, lon: 113.37 };
const road = (lat: number) =>
  [
    [113.36, lat],
    [113.38, lat],
  ] as const;

const truck = (
  deviceId: string,
  plate: string,
  lat: number,
  startSeconds: number,
  cover?: 'covered' | 'uncovered',
) =>
  simulateVehicle({
    deviceId,
    plate,
    route: road(lat),
    speedKmh: 40,
    startMs: T0 + startSeconds * 1000,
    intervalSeconds: 5,
    positionNoiseMeters: 4,
    seed: deviceId.length + startSeconds,
    ...(cover ? { cargoCover: cover } : {}),
  });

/** When the report of `reports` nearest the camera was taken. */
const passesCamera = (reports: PositionReport[]) =>
  Date.parse(
    reports.reduce((a, b) =>
      distanceMeters([a.lon, a.lat], [CAMERA.lon, CAMERA.lat]) <=
      distanceMeters([b.lon, b.lat], [CAMERA.lon, CAMERA.lat])
        ? a
        : b,
    ).time,
  );

function cameraEvent(observedAtMs: number): EdgeEvent {
  const parsed = parseEvent({
    schemaVersion: EVENT_SCHEMA_VERSION,
    eventId: `hub-17:gate-3:muck:${observedAtMs}:0`,
    incidentId: `hub-17:gate-3:muck:${observedAtMs}`,
    sequence: 0,
    type: 'muck_truck_uncovered',
    phase: 'start',
    edgeId: 'hub-17',
    cameraId: 'gate-3',
    scenario: 'muck',
    startedAt: new Date(observedAtMs - 2000).toISOString(),
    observedAt: new Date(observedAtMs).toISOString(),
    confidence: 0.81,
    objectCount: 1,
    objects: [
      { trackId: 3, label: 'truck', score: 0.8, box: [0.4, 0.4, 0.7, 0.8], attributes: { uncovered: 0.81 } },
    ],
    model: { name: 'muck-cover-cls', version: '1.0.0', sha256: 'b'.repeat(64) },
    frame: { width: 768, height: 576 },
  });
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.event;
}

describe('correlating a camera muck-truck event with truck positions', () => {
  const seen = truck('truck-b', '粤AF5678', 22.937, 600, 'uncovered');
  const at = passesCamera(seen) + 2000;
  const reports = [
    ...seen,
    ...truck('truck-a', '粤AD1234', 22.937, 570, 'covered'), // same road, 30 s ahead: sensor says covered
    ...truck('truck-d', '粤AQ1111', 22.9382, 605), // parallel street ~130 m north, no cover sensor
    ...truck('truck-e', '粤AR2222', 22.947, 600, 'uncovered'), // 1.1 km north: too far
    ...truck('truck-f', '粤AS3333', 22.937, 200, 'uncovered'), // same road, 7 minutes earlier
  ];
  const store = new PositionStore();
  for (const r of reports.sort((a, b) => a.time.localeCompare(b.time))) store.add(r);

  it('lists the trucks near the camera at the time, ranked, the one whose cover sensor agrees first', () => {
    const candidates = rankCandidateVehicles(cameraEvent(at), CAMERA, store, {
      radiusMeters: 300,
      maxOffsetSeconds: 60,
    });
    expect(candidates.map((c) => [c.deviceId, c.cover])).toEqual([
      ['truck-b', 'confirms'],
      ['truck-d', 'unknown'],
      ['truck-a', 'contradicts'],
    ]);
    const [best, parallel] = candidates;
    expect(best?.plate).toBe('粤AF5678');
    expect(best?.distanceMeters).toBeLessThan(40);
    expect(Math.abs(best?.offsetSeconds ?? 99)).toBeLessThanOrEqual(5);
    expect(parallel?.distanceMeters).toBeGreaterThan(100);
    expect(parallel?.distanceMeters).toBeLessThan(200);
  });

  it('attaches them to the camera event, which still satisfies the contract', () => {
    const event = cameraEvent(at);
    const candidates = rankCandidateVehicles(event, CAMERA, store, {
      radiusMeters: 300,
      maxOffsetSeconds: 60,
    });
    const joined = withCandidates(event, candidates);
    const parsed = parseEvent(JSON.parse(JSON.stringify(joined)));
    expect(parsed.ok && parsed.event.vehicles?.[0]).toMatchObject({ deviceId: 'truck-b', cover: 'confirms' });
    expect(event.vehicles).toBeUndefined();
  });

  it('finds nobody when no truck was near at that time', () => {
    const quiet = rankCandidateVehicles(cameraEvent(T0 + 3000_000), CAMERA, store, {
      radiusMeters: 300,
      maxOffsetSeconds: 60,
    });
    expect(quiet).toEqual([]);
  });

  it('forgets positions older than its retention', () => {
    const short = new PositionStore({ retentionSeconds: 60, bucketSeconds: 30 });
    for (const r of reports.sort((a, b) => a.time.localeCompare(b.time))) short.add(r);
    const newest = Math.max(...reports.map((r) => Date.parse(r.time)));
    const since = (seconds: number) =>
      reports.filter((r) => Date.parse(r.time) >= newest - seconds * 1000).length;
    // Whole 30 s slices go: it keeps the last 60 s, and at most one slice more.
    expect(short.size).toBeGreaterThanOrEqual(since(60));
    expect(short.size).toBeLessThanOrEqual(since(90));
    const late = rankCandidateVehicles(cameraEvent(at), CAMERA, short, {
      radiusMeters: 300,
      maxOffsetSeconds: 60,
    });
    expect(late.map((c) => c.deviceId)).not.toContain('truck-b');
  });
});
