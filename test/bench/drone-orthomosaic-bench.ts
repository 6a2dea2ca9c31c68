import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type FlightConfig, loadFlightConfig } from '../../edge/drone/flight-config.ts';
import { FlightService } from '../../edge/drone/flight-service.ts';
import { committedAreaImages, writeOrthophoto } from '../../fixtures/tools/build-drone-geotiffs.ts';
import { printTable } from './stats.ts';

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
const SELF = path.join(here, 'drone-orthomosaic-bench.ts');
const FIXTURES = 'fixtures/drone';

interface Measured {
  startupMs: number;
  compareMs?: number;
  path?: string;
  tiles?: number;
  comparedMegapixels?: number;
  events?: number;
  maxRssMb: number;
}

async function measure(dir: string, name: string, config: FlightConfig, image?: string): Promise<Measured> {
  const file = path.join(dir, `${name}.json`);
  await writeFile(file, JSON.stringify(config));
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', SELF, '--measure', file, ...(image ? [image] : [])],
    {
      maxBuffer: 1 << 20,
    },
  );
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Measured;
}

/** A baseline orthomosaic of aero1's area and a flight over it (DJI_0001's structures and light), at `step` metres a pixel. */
async function generate(dir: string, step: number, images: Awaited<ReturnType<typeof committedAreaImages>>) {
  const common = {
    like: 'DJI_0001.jpg',
    epsg: 4547,
    step: [step, step] as [number, number],
    tileSize: 256,
    deflateLevel: 1,
  };
  const started = performance.now();
  const baseline = path.join(dir, 'baseline', 'BASE.tif');
  const flight = path.join(dir, 'FLIGHT.tif');
  await mkdir(path.dirname(baseline), { recursive: true });
  const b = await writeOrthophoto(baseline, { ...common, bare: true }, images);
  const f = await writeOrthophoto(flight, common, images);
  return {
    baselineDir: path.dirname(baseline),
    flight,
    megapixels: (f.width * f.height) / 1e6,
    megabytes: (b.bytes + f.bytes) / 1e6,
    generateMs: performance.now() - started,
  };
}

/**
 * Peak memory and time of the tiled comparison on a generated 100-megapixel orthomosaic pair,
 * against the whole-image path on a 20-megapixel pair of the same scene, each in its own process
 * (peak RSS is per process). The orthomosaics are the fixture scene resampled onto CGCS2000
 * Gauss-Krüger grids of 5 and 11 cm (SYNTHETIC: no more detail than the 1 m photo; they measure
 * memory and time, not quality), written tile by tile into a temporary folder and removed after.
 */
export async function benchOrthomosaic(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'drone-orthomosaic-'));
  try {
    const loaded = await loadFlightConfig(path.join(FIXTURES, 'flight.yaml'));
    const images = await committedAreaImages(FIXTURES);
    const twenty = await generate(path.join(dir, '20'), 0.11, images);
    const hundred = await generate(path.join(dir, '100'), 0.05, images);
    const area = loaded.areas[0];
    if (!area) throw new Error('flight.yaml has no area');
    const configFor = (baseline: string, tiling: Partial<FlightConfig['tiling']>): FlightConfig => ({
      ...loaded,
      evidenceDir: path.join(dir, 'evidence'),
      areas: [{ ...area, baseline }],
      tiling: { ...loaded.tiling, ...tiling },
    });
    const rows: [string, number, FlightConfig, string | undefined][] = [
      ['service start-up only (OpenCV WASM, ONNX session)', 0, loaded, undefined],
      [
        'JPEG fixture flight image, whole',
        0.27,
        loaded,
        path.join(FIXTURES, 'flights/flight-2026-11-20-change/DJI_0001.jpg'),
      ],
      [
        '20 MP GeoTIFF pair, whole image',
        twenty.megapixels,
        configFor(twenty.baselineDir, { wholeImageMaxMegapixels: 1000 }),
        twenty.flight,
      ],
      [
        '20 MP GeoTIFF pair, tiles of 512 at 0.5 m',
        twenty.megapixels,
        configFor(twenty.baselineDir, { analysisMetresPerPixel: 0.5 }),
        twenty.flight,
      ],
      [
        '100 MP GeoTIFF pair, tiles of 512 at 0.5 m',
        hundred.megapixels,
        configFor(hundred.baselineDir, { analysisMetresPerPixel: 0.5 }),
        hundred.flight,
      ],
      [
        '100 MP GeoTIFF pair, tiles of 512 at 0.25 m',
        hundred.megapixels,
        configFor(hundred.baselineDir, { analysisMetresPerPixel: 0.25 }),
        hundred.flight,
      ],
    ];
    const results: Measured[] = [];
    for (const [name, , config, image] of rows)
      results.push(await measure(dir, name.replace(/\W+/g, '-'), config, image));
    const reference = results[2];
    const table: (string | number)[][] = [
      [
        'comparison',
        'image MP',
        'compared MP',
        'tiles',
        'events',
        'compare s',
        'peak RSS MB',
        'RSS / whole 20 MP',
        'time / whole 20 MP',
      ],
    ];
    rows.forEach(([name, megapixels], k) => {
      const r = results[k] as Measured;
      table.push([
        name,
        megapixels,
        r.comparedMegapixels ?? 0,
        r.tiles ?? 0,
        r.events ?? 0,
        (r.compareMs ?? 0) / 1000,
        r.maxRssMb,
        reference ? r.maxRssMb / reference.maxRssMb : 0,
        reference?.compareMs && r.compareMs ? r.compareMs / reference.compareMs : 0,
      ]);
    });
    printTable(
      `drone orthomosaics, one process per row; generated ${twenty.megapixels.toFixed(0)} MP (${twenty.megabytes.toFixed(0)} MB on disk for the pair, ${(twenty.generateMs / 1000).toFixed(0)} s) and ${hundred.megapixels.toFixed(0)} MP (${hundred.megabytes.toFixed(0)} MB, ${(hundred.generateMs / 1000).toFixed(0)} s); load ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
      table,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * One measured comparison in a process of its own, so that its peak resident memory is its own
 * (`--measure <config.json> [image]`); without an image it only starts the service (OpenCV WASM,
 * the ONNX session): the fixed cost under every row. Prints one JSON line.
 */
async function measureInThisProcess(configFile: string, image?: string): Promise<void> {
  const config = JSON.parse(await readFile(configFile, 'utf8')) as FlightConfig;
  const started = performance.now();
  const service = await FlightService.create(config);
  const result: Measured = { startupMs: performance.now() - started, maxRssMb: 0 };
  if (image) {
    const t = performance.now();
    const report = await service.processFiles(path.basename(image), [image], { evidence: false });
    const outcome = report.images[0];
    if (outcome?.status !== 'compared') throw new Error(`refused: ${JSON.stringify(outcome)}`);
    result.compareMs = performance.now() - t;
    result.path = outcome.path;
    result.tiles = outcome.tiling?.tiles.total ?? 0;
    result.comparedMegapixels = outcome.comparedMegapixels;
    result.events = report.events.length;
  }
  await service.close();
  result.maxRssMb = process.resourceUsage().maxRSS / 1024;
  console.log(JSON.stringify(result));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const [flag, configFile, image] = process.argv.slice(2);
  if (flag === '--measure' && configFile) await measureInThisProcess(configFile, image);
  else await benchOrthomosaic();
}
