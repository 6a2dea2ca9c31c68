import { createHash } from 'node:crypto';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiServer } from '../../edge/api/create-api-server.ts';
import type { FlightConfig } from '../../edge/drone/flight-config.ts';
import { loadFlightConfig } from '../../edge/drone/flight-config.ts';
import { type FlightReport, FlightService } from '../../edge/drone/flight-service.ts';
import { parseEvent } from '../../foundation/contract/events.ts';
import type { Point } from '../../foundation/geometry/image-plane.ts';
import { polygonIou } from '../../foundation/geometry/polygon-mask.ts';
import { loadDroneGroundTruth } from '../eval/drone-eval.ts';

const FLIGHTS = 'fixtures/drone/flights';
const CHANGE = `${FLIGHTS}/flight-2026-11-20-change`;

describe('drone flights through FlightService', () => {
  let dir: string;
  let config: FlightConfig;
  let service: FlightService;
  let change: FlightReport;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'drone-flight-'));
    const loaded = await loadFlightConfig('fixtures/drone/flight.yaml');
    config = { ...loaded, evidenceDir: path.join(dir, 'evidence') };
    service = await FlightService.create(config);
    change = await service.processFlight(CHANGE);
  });
  afterAll(async () => {
    await service?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('raises one valid illegal_structure event per unpermitted structure, where it was built', async () => {
    const truth = await loadDroneGroundTruth();
    const flight = truth['flight-2026-11-20-change'] ?? {};
    expect(change.images.map((i) => i.status)).toEqual(['compared', 'compared']);
    expect(change.events).toHaveLength(6);
    const unmatched = new Set(
      Object.entries(flight).flatMap(([image, t]) =>
        t.structures.filter((s) => !s.permitted).map((s) => `${image}/${s.id}`),
      ),
    );
    for (const event of change.events) {
      const parsed = parseEvent(JSON.parse(JSON.stringify(event)));
      if (!parsed.ok) throw new Error(parsed.error);
      expect(parsed.event.geometry).toEqual(event.geometry);
      expect(parsed.event.evidence.before?.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(parsed.event.evidence.before).toEqual(event.evidence.before);
      expect(event.type).toBe('illegal_structure');
      const image = event.cameraId === 'liwan-aero1' ? 'DJI_0001.jpg' : 'DJI_0002.jpg';
      const polygon = event.geometry.image.map(
        ([x, y]) => [x * event.frame.width, y * event.frame.height] as Point,
      );
      const best = (flight[image]?.structures ?? [])
        .map((s) => ({ s, iou: polygonIou(polygon, s.polygon) }))
        .sort((a, b) => b.iou - a.iou)[0];
      expect(best?.iou ?? 0).toBeGreaterThanOrEqual(0.3);
      expect(best?.s.permitted).toBe(false);
      unmatched.delete(`${image}/${best?.s.id}`);
    }
    expect([...unmatched]).toEqual([]);
  });

  it('finds the permitted structure but raises no event for it', () => {
    const aero1 = change.images.find((i) => i.image === 'DJI_0001.jpg');
    if (aero1?.status !== 'compared') throw new Error('DJI_0001.jpg was not compared');
    expect(aero1.candidates.filter((c) => c.permit).map((c) => c.permit)).toEqual([
      'permit-a1-approved-works',
    ]);
    expect(change.events.filter((e) => e.cameraId === 'liwan-aero1')).toHaveLength(3);
  });

  it('places each structure on the ground inside its area and writes hashed before/after evidence', async () => {
    for (const event of change.events) {
      const ring = event.geometry.geo?.coordinates[0] ?? [];
      expect(ring.length).toBeGreaterThanOrEqual(4);
      const [lon = 0, lat = 0] = ring[0] ?? [];
      const west = event.cameraId === 'liwan-aero1' ? 113.24 : 113.25;
      expect(lon).toBeGreaterThan(west);
      expect(lon).toBeLessThan(west + 0.0064);
      expect(lat).toBeLessThan(23.13);
      expect(lat).toBeGreaterThan(23.13 - 0.0048);
      expect(event.objects[0]?.attributes?.areaSquareMetres).toBeGreaterThan(50);
    }
    const files = await readdir(path.join(config.evidenceDir, 'liwan-aero1'));
    expect(files.filter((f) => f.endsWith('-before.jpg'))).toHaveLength(3);
    const first = change.events[0];
    const snapshot = first?.evidence.snapshot;
    const match = files.find((f) => f.endsWith('-0-after.jpg'));
    if (!snapshot || !match) throw new Error('no snapshot evidence');
    const bytes = await readFile(path.join(config.evidenceDir, 'liwan-aero1', match));
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(snapshot.sha256);
    expect(first?.evidence.snapshotAnnotated?.size).toBeGreaterThan(bytes.length);
  });

  it('gives the same event ids when the same flight is processed again', async () => {
    const again = await service.processFlight(CHANGE, { evidence: false });
    expect(again.events.map((e) => e.eventId)).toEqual(change.events.map((e) => e.eventId));
  });

  it('stays silent on the flight with other light and misalignment but no change', async () => {
    const report = await service.processFlight(`${FLIGHTS}/flight-2026-11-21-no-change`, { evidence: false });
    expect(report.images.map((i) => i.status)).toEqual(['compared', 'compared']);
    expect(report.events).toEqual([]);
  });

  it('refuses a wrong-route image and one outside every area, with the reason, and compares neither', async () => {
    const report = await service.processFlight(`${FLIGHTS}/flight-2026-11-22-refused`, { evidence: false });
    expect(report.events).toEqual([]);
    const [wrongRoute, outside] = report.images;
    expect(wrongRoute).toMatchObject({ status: 'refused', code: 'FLIGHT_REGISTRATION_FAILED' });
    expect(wrongRoute?.status === 'refused' && wrongRoute.reason).toMatch(
      /\d+ inliers of \d+ matches, below 40/,
    );
    expect(outside).toMatchObject({ status: 'refused', code: 'FLIGHT_AREA_UNKNOWN' });
    expect(outside?.status === 'refused' && outside.reason).toMatch(
      /23\.400000, 113\.600000, outside every area/,
    );
  });

  it('refuses an unreadable image by name and still compares the rest of the flight', async () => {
    const flight = path.join(dir, 'broken-flight');
    await cp(`${FLIGHTS}/flight-2026-11-21-no-change`, flight, { recursive: true });
    const whole = await readFile(path.join(flight, 'DJI_0101.jpg'));
    await writeFile(path.join(flight, 'DJI_0100.jpg'), whole.subarray(0, 2000));
    const report = await service.processFlight(flight, { evidence: false });
    expect(report.images.map((i) => [i.image, i.status])).toEqual([
      ['DJI_0100.jpg', 'refused'],
      ['DJI_0101.jpg', 'compared'],
      ['DJI_0102.jpg', 'compared'],
    ]);
    expect(report.images[0]).toMatchObject({ code: 'FLIGHT_IMAGE_UNREADABLE' });
  });

  it('takes uploads through the local API and answers the comparison', async () => {
    const { app } = createApiServer(
      {
        edgeId: 'edge-1',
        startedAt: 0,
        cameras: () => [],
        latestFrame: () => undefined,
        recentEvents: () => [],
        models: () => ({}),
      },
      { port: 0, flights: { service, uploadDir: path.join(dir, 'uploads') } },
    );
    const image = await readFile(`${CHANGE}/DJI_0002.jpg`);
    const put = (fileName: string) =>
      app.inject({
        method: 'PUT',
        url: `/flights/upload-1/images/${fileName}`,
        headers: { 'content-type': 'image/jpeg' },
        payload: image,
      });
    expect((await put('DJI_0002.jpg')).statusCode).toBe(201);
    const bad = await put('..%2Fescape.jpg');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('FLIGHT_UPLOAD_INVALID');
    const processed = await app.inject({ method: 'POST', url: '/flights/upload-1/process' });
    expect(processed.statusCode).toBe(200);
    const body = processed.json() as FlightReport;
    expect(body.images).toHaveLength(1);
    expect(body.events.map((e) => e.cameraId)).toEqual(['liwan-aero3', 'liwan-aero3', 'liwan-aero3']);
    const missing = await app.inject({ method: 'POST', url: '/flights/never-uploaded/process' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('FLIGHT_NOT_FOUND');
    await app.close();
  });

  it('makes an accepted image the new baseline, keeping the old one', async () => {
    const areaDir = path.join(dir, 'area');
    await cp('fixtures/drone/areas/liwan-aero1/baseline', areaDir, { recursive: true });
    const own = await FlightService.create({
      ...config,
      areas: [{ id: 'liwan-aero1', baseline: areaDir }],
    });
    try {
      const flight = path.join(dir, 'accept-flight');
      await cp(CHANGE, flight, { recursive: true });
      await rm(path.join(flight, 'DJI_0002.jpg'));
      const first = await own.processFlight(flight, { evidence: false, accept: true });
      expect(first.events).toHaveLength(4);
      expect(await readdir(path.join(areaDir, 'history'))).toHaveLength(1);
      const second = await own.processFlight(flight, { evidence: false });
      expect(second.images[0]?.status).toBe('compared');
      expect(second.events).toEqual([]);
    } finally {
      await own.close();
    }
  });
});
