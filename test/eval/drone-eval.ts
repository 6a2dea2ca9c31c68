import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { DEFAULT_THRESHOLDS, loadFlightConfig } from '../../edge/drone/flight-config.ts';
import { FlightService } from '../../edge/drone/flight-service.ts';
import type { Point } from '../../foundation/geometry/image-plane.ts';
import { polygonIou } from '../../foundation/geometry/polygon-mask.ts';

/**
 * Drone change detection on the fixture flights: per structure, precision and recall (a candidate
 * matches a ground-truth structure at polygon IoU ≥ 0.3, one to one, greedily by IoU) and the mean
 * IoU of the matches, for the ONNX deep change-vector detector and the pixel baseline. Every
 * candidate on the no-change flights is a false positive. Permitted structures are changes too:
 * the detector must find them; suppressing them is the registry's job, counted in `events`.
 */

export const DRONE_DIR = 'fixtures/drone';
export const MATCH_IOU = 0.3;
/** The same scenes as JPEG photos (with GPS) and as GeoTIFF orthophotos (CGCS2000 Gauss-Krüger, UTM, geographic). */
const INPUTS = {
  JPEG: ['flight-2026-11-20-change', 'flight-2026-11-21-no-change'],
  GeoTIFF: ['flight-2026-11-23-geotiff-change', 'flight-2026-11-24-geotiff-no-change'],
} as const;
type Input = keyof typeof INPUTS;

const GroundTruthSchema = z.record(
  z.string(),
  z.record(
    z.string(),
    z.object({
      area: z.string(),
      expect: z.string(),
      structures: z.array(
        z.object({
          id: z.string(),
          kind: z.string(),
          permitted: z.boolean(),
          polygon: z.array(z.tuple([z.number(), z.number()])),
        }),
      ),
    }),
  ),
);
export type DroneGroundTruth = z.infer<typeof GroundTruthSchema>;

export async function loadDroneGroundTruth(dir = DRONE_DIR): Promise<DroneGroundTruth> {
  return GroundTruthSchema.parse(JSON.parse(await readFile(path.join(dir, 'ground-truth.json'), 'utf8')));
}

export interface DroneEvalRow {
  /** The flights' format, and the comparison path when forced into tiles. */
  input: string;
  method: 'deep' | 'pixel';
  threshold: number;
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  /** Candidates on the no-change flights. */
  noChangeFalsePositives: number;
  precision: number;
  recall: number;
  meanIou: number;
  /** Events raised (candidates not covered by a permit) and the events expected. */
  events: number;
  expectedEvents: number;
  detectMsPerMegapixel: number;
}

/** Greedy one-to-one matching by IoU; returns the IoUs of the matched pairs. */
export function matchPolygons(predicted: Point[][], truth: Point[][], minIou = MATCH_IOU): number[] {
  const pairs: { p: number; t: number; iou: number }[] = [];
  predicted.forEach((pp, p) => {
    truth.forEach((tt, t) => {
      const iou = polygonIou(pp, tt);
      if (iou >= minIou) pairs.push({ p, t, iou });
    });
  });
  pairs.sort((a, b) => b.iou - a.iou);
  const usedP = new Set<number>();
  const usedT = new Set<number>();
  const ious: number[] = [];
  for (const pair of pairs) {
    if (usedP.has(pair.p) || usedT.has(pair.t)) continue;
    usedP.add(pair.p);
    usedT.add(pair.t);
    ious.push(pair.iou);
  }
  return ious;
}

export async function evaluateDrone(
  service: FlightService,
  method: 'deep' | 'pixel',
  threshold?: number,
  dir = DRONE_DIR,
  input: Input = 'JPEG',
  label: string = input,
): Promise<DroneEvalRow> {
  const truth = await loadDroneGroundTruth(dir);
  const row: DroneEvalRow = {
    input: label,
    method,
    threshold: 0,
    truePositives: 0,
    falsePositives: 0,
    falseNegatives: 0,
    noChangeFalsePositives: 0,
    precision: 0,
    recall: 0,
    meanIou: 0,
    events: 0,
    expectedEvents: 0,
    detectMsPerMegapixel: 0,
  };
  const ious: number[] = [];
  let detectMs = 0;
  let megapixels = 0;
  for (const flight of INPUTS[input]) {
    const report = await service.processFlight(path.join(dir, 'flights', flight), {
      method,
      ...(threshold === undefined ? {} : { threshold }),
      evidence: false,
    });
    row.events += report.events.length;
    for (const outcome of report.images) {
      const expected = truth[flight]?.[outcome.image];
      if (!expected) throw new Error(`${flight}/${outcome.image} has no ground truth`);
      row.expectedEvents += expected.structures.filter((s) => !s.permitted).length;
      if (outcome.status !== 'compared')
        throw new Error(`${flight}/${outcome.image} was refused: ${outcome.reason}`);
      const matched = matchPolygons(
        outcome.candidates.map((c) => c.imagePolygon),
        expected.structures.map((s) => s.polygon),
      );
      ious.push(...matched);
      row.truePositives += matched.length;
      row.falsePositives += outcome.candidates.length - matched.length;
      row.falseNegatives += expected.structures.length - matched.length;
      if (expected.structures.length === 0) row.noChangeFalsePositives += outcome.candidates.length;
      detectMs += outcome.timings.detectMs;
      megapixels += outcome.comparedMegapixels;
    }
  }
  row.threshold = threshold ?? DEFAULT_THRESHOLDS[method];
  row.precision = row.truePositives / Math.max(1, row.truePositives + row.falsePositives);
  row.recall = row.truePositives / Math.max(1, row.truePositives + row.falseNegatives);
  row.meanIou = ious.length > 0 ? ious.reduce((a, b) => a + b, 0) / ious.length : 0;
  row.detectMsPerMegapixel = detectMs / megapixels;
  return row;
}

export function formatDroneRows(rows: readonly DroneEvalRow[]): string {
  const header =
    'input                method  threshold  TP  FP  FN  FP(no-change)  precision  recall  mean IoU  events/expected  ms/MP (compare)';
  const lines = rows.map((r) =>
    [
      r.input.padEnd(20),
      r.method.padEnd(7),
      r.threshold.toFixed(3).padStart(9),
      String(r.truePositives).padStart(3),
      String(r.falsePositives).padStart(3),
      String(r.falseNegatives).padStart(3),
      String(r.noChangeFalsePositives).padStart(14),
      r.precision.toFixed(3).padStart(10),
      r.recall.toFixed(3).padStart(7),
      r.meanIou.toFixed(3).padStart(9),
      `${r.events}/${r.expectedEvents}`.padStart(16),
      r.detectMsPerMegapixel.toFixed(0).padStart(16),
    ].join(' '),
  );
  return [header, ...lines].join('\n');
}

/** `npm run eval`'s drone part: both methods at their default thresholds, then a threshold sweep. */
export async function runDroneEval(
  configFile = path.join(DRONE_DIR, 'flight.yaml'),
  sweep = true,
): Promise<DroneEvalRow[]> {
  const config = await loadFlightConfig(configFile);
  const service = await FlightService.create(config);
  // The same orthophotos forced through the tiled path (256-pixel tiles: 6–9 tiles an image).
  const tiled = await FlightService.create({
    ...config,
    tiling: { ...config.tiling, wholeImageMaxMegapixels: 0, tileSize: 256 },
  });
  try {
    const rows: DroneEvalRow[] = [];
    for (const method of ['deep', 'pixel'] as const) {
      rows.push(await evaluateDrone(service, method));
      rows.push(await evaluateDrone(service, method, undefined, DRONE_DIR, 'GeoTIFF'));
      rows.push(await evaluateDrone(tiled, method, undefined, DRONE_DIR, 'GeoTIFF', 'GeoTIFF, tiles 256'));
    }
    console.log(
      '\ndrone change detection, fixtures/drone (default thresholds): JPEG flights, the same scenes as GeoTIFF orthophotos',
    );
    console.log(formatDroneRows(rows));
    if (sweep) {
      const swept: DroneEvalRow[] = [];
      for (const t of [1.5, 1.6, 1.7, 1.8, 1.9, 2.0]) swept.push(await evaluateDrone(service, 'deep', t));
      for (const t of [0.06, 0.08, 0.1, 0.12, 0.14]) swept.push(await evaluateDrone(service, 'pixel', t));
      console.log('\nthreshold sweep (same pairs; the defaults were chosen on them: no held-out set)');
      console.log(formatDroneRows(swept));
      rows.push(...swept);
    }
    return rows;
  } finally {
    await service.close();
    await tiled.close();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  await runDroneEval();
}
