import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ComparedImage, ImageOutcome } from '../../edge/drone/drone-types.ts';
import { type FlightConfig, loadFlightConfig } from '../../edge/drone/flight-config.ts';
import { type FlightReport, FlightService } from '../../edge/drone/flight-service.ts';
import { committedAreaImages, writeOrthophoto } from '../../fixtures/tools/build-drone-geotiffs.ts';
import { parseEvent } from '../../foundation/contract/events.ts';
import type { Point } from '../../foundation/geometry/image-plane.ts';
import { polygonCentroid } from '../../foundation/geometry/image-plane.ts';
import { distanceMeters, pointInPolygon } from '../../foundation/geometry/lon-lat.ts';
import { polygonIou } from '../../foundation/geometry/polygon-mask.ts';
import { loadDroneGroundTruth } from '../eval/drone-eval.ts';

const FLIGHTS = 'fixtures/drone/flights';
const JPEG_CHANGE = `${FLIGHTS}/flight-2026-11-20-change`;
const GEOTIFF_CHANGE = `${FLIGHTS}/flight-2026-11-23-geotiff-change`;
const GEOTIFF_NO_CHANGE = `${FLIGHTS}/flight-2026-11-24-geotiff-no-change`;

function compared(outcome: ImageOutcome | undefined): ComparedImage {
  if (outcome?.status !== 'compared') throw new Error(`not compared: ${JSON.stringify(outcome)}`);
  return outcome;
}

const eventCentre = (e: FlightReport['events'][number]) =>
  [e.objects[0]?.attributes?.lon ?? 0, e.objects[0]?.attributes?.lat ?? 0] as const;

describe('GeoTIFF orthophotos through the flight service', () => {
  let dir: string;
  let config: FlightConfig;
  let service: FlightService;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'geotiff-flight-'));
    const loaded = await loadFlightConfig('fixtures/drone/flight.yaml');
    // The smallest structure (a1-roof-blue, a rooftop addition) changes ~100 px of the baseline in
    // the clean GeoTIFF and ~146 in the JPEG (whose compression and residual misalignment add
    // change around it): below and just above the default 150. At 80 both flights must give the
    // same six structures; the defaults' figures are `npm run eval`'s.
    config = {
      ...loaded,
      evidenceDir: path.join(dir, 'evidence'),
      detection: { ...loaded.detection, minAreaPx: 80 },
    };
    service = await FlightService.create(config);
  });
  afterAll(async () => {
    await service?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('raises the same structures from orthophotos in CGCS2000 Gauss-Krüger and WGS 84 UTM as from the JPEG flight', async () => {
    const jpeg = await service.processFlight(JPEG_CHANGE, { evidence: false });
    const geotiff = await service.processFlight(GEOTIFF_CHANGE);
    expect(geotiff.images.map((i) => i.status)).toEqual(['compared', 'compared']);
    expect(geotiff.images.map((i) => (i.status === 'compared' ? i.area : ''))).toEqual([
      'liwan-aero1',
      'liwan-aero3',
    ]);
    expect(jpeg.events).toHaveLength(6);
    expect(geotiff.events).toHaveLength(6);
    // Each JPEG event has one GeoTIFF event at the same place on the ground (within 5 m; the
    // structures are 14–34 m across and 60 m or more apart).
    const unmatched = [...geotiff.events];
    for (const event of jpeg.events) {
      const k = unmatched.findIndex(
        (g) => g.cameraId === event.cameraId && distanceMeters(eventCentre(g), eventCentre(event)) < 5,
      );
      expect(k, `no GeoTIFF event near ${eventCentre(event)}`).toBeGreaterThanOrEqual(0);
      unmatched.splice(k, 1);
    }
    // In the orthophoto's own pixels, each event outlines a drawn structure, or (the small roof,
    // whose change region is a part of it) lies within one.
    const truth = (await loadDroneGroundTruth())['flight-2026-11-23-geotiff-change'] ?? {};
    for (const event of geotiff.events) {
      const parsed = parseEvent(JSON.parse(JSON.stringify(event)));
      if (!parsed.ok) throw new Error(parsed.error);
      expect(event.evidence.before?.sha256).toMatch(/^[0-9a-f]{64}$/);
      const image = event.cameraId === 'liwan-aero1' ? 'ORTHO_0001.tif' : 'ORTHO_0002.tif';
      const polygon = event.geometry.image.map(
        ([x, y]) => [x * event.frame.width, y * event.frame.height] as Point,
      );
      const structures = truth[image]?.structures ?? [];
      const best = Math.max(...structures.map((s) => polygonIou(polygon, s.polygon)));
      const within = structures.some((s) => pointInPolygon(polygonCentroid(polygon), [s.polygon]));
      expect(best >= 0.3 || within, `${image}: ${JSON.stringify(polygon)}`).toBe(true);
    }
  });

  it('stays silent on orthophotos of another day with no change (CGCS2000 3° zone, rotated geographic grid)', async () => {
    const report = await service.processFlight(GEOTIFF_NO_CHANGE, { evidence: false });
    expect(report.images.map((i) => i.status)).toEqual(['compared', 'compared']);
    expect(report.events).toEqual([]);
  });

  it('finds a structure lying across a tile border once, and the same structures as the whole-image path', async () => {
    // Tiles of 192 analysis pixels over aero3's 640×480 baseline: the border x = 384 runs through
    // a3-roof-blue (baseline x 376–398), which both tiles' overlaps see whole.
    const tiled = await FlightService.create({
      ...config,
      tiling: { ...config.tiling, wholeImageMaxMegapixels: 0, tileSize: 192 },
    });
    try {
      const whole = compared(
        (await service.processFiles('whole', [`${JPEG_CHANGE}/DJI_0002.jpg`], { evidence: false })).images[0],
      );
      const inTiles = compared(
        (await tiled.processFiles('tiled', [`${JPEG_CHANGE}/DJI_0002.jpg`], { evidence: false })).images[0],
      );
      expect(whole.path).toBe('whole');
      expect(inTiles.path).toBe('tiled');
      expect(inTiles.tiling?.tiles).toMatchObject({ total: 12, uncovered: 0 });
      const across = inTiles.candidates.filter((c) => {
        const xs = c.baselinePolygon.map((p) => p[0]);
        return Math.min(...xs) < 384 && Math.max(...xs) > 384;
      });
      expect(across).toHaveLength(1);
      const roof = (
        (await loadDroneGroundTruth())['flight-2026-11-20-change']?.['DJI_0002.jpg']?.structures ?? []
      ).find((s) => s.id === 'a3-roof-blue');
      expect(polygonIou(across[0]?.imagePolygon ?? [], roof?.polygon ?? [])).toBeGreaterThanOrEqual(0.3);
      expect(inTiles.candidates).toHaveLength(whole.candidates.length);
      for (const c of inTiles.candidates) {
        const twin = whole.candidates.map((w) => polygonIou(w.imagePolygon, c.imagePolygon));
        expect(Math.max(...twin)).toBeGreaterThanOrEqual(0.5);
      }
    } finally {
      await tiled.close();
    }
  });

  it('compares an orthophoto three times finer than its baseline in tiles, each read reduced to the baseline grid', async () => {
    // ORTHO_0002 again at 0.35 m a pixel (about 1600×1200): the baseline's pixels are ~1.06 m.
    const file = path.join(dir, 'fine', 'ORTHO_FINE.tif');
    const written = await writeOrthophoto(
      file,
      { like: 'DJI_0002.jpg', epsg: 32649, step: [0.35, 0.35], tileSize: 256 },
      await committedAreaImages('fixtures/drone'),
    );
    expect(written.width * written.height).toBeGreaterThan(1.9e6);
    const fine = await FlightService.create({ ...config, tiling: { ...config.tiling, tileSize: 256 } });
    try {
      const report = await fine.processFiles('fine', [file], { evidence: false });
      const outcome = compared(report.images[0]);
      expect(outcome.path).toBe('tiled');
      expect(outcome.tiling).toMatchObject({ coarse: 'overview', analysisScale: 1 });
      expect(outcome.tiling?.tiles.refined).toBeGreaterThan(0);
      expect(report.events).toHaveLength(3);
      for (const event of report.events) {
        const polygon = event.geometry.image.map(
          ([x, y]) => [x * event.frame.width, y * event.frame.height] as Point,
        );
        expect(
          Math.max(...written.structures.map((s) => polygonIou(polygon, s.polygon))),
        ).toBeGreaterThanOrEqual(0.3);
      }
    } finally {
      await fine.close();
    }
  });

  it('refuses a GeoTIFF in an unsupported projection by name and compares the rest of the flight', async () => {
    const { writeTiledGeoTiff } = await import('../../fixtures/tools/geotiff-writer.ts');
    const bad = path.join(dir, 'bad', 'XIAN80.tif');
    const { mkdir, copyFile } = await import('node:fs/promises');
    await mkdir(path.dirname(bad), { recursive: true });
    await writeTiledGeoTiff(
      bad,
      {
        width: 128,
        height: 128,
        tileSize: 64,
        compression: 'none',
        geoKeys: { 1024: 1, 3072: 2383 },
        pixelScale: [1, 1],
        tiepoint: [0, 0, 38424654, 2559024],
      },
      (_x, _y, size) => new Uint8Array(size * size * 3).fill(120),
    );
    await copyFile(`${GEOTIFF_CHANGE}/ORTHO_0002.tif`, path.join(dir, 'bad', 'ORTHO_0002.tif'));
    const report = await service.processFlight(path.join(dir, 'bad'), { evidence: false });
    expect(report.images.map((i) => i.status)).toEqual(['compared', 'refused']);
    expect(report.images[1]).toMatchObject({ code: 'FLIGHT_PROJECTION_UNSUPPORTED' });
    expect(report.images[1]?.status === 'refused' && report.images[1].reason).toMatch(
      /XIAN80\.tif: EPSG:2383 \(Xian 1980 \/ Gauss-Kruger\) is not supported/,
    );
  });
});
