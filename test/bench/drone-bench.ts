import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { loadFeaturesManifest } from '../../edge/detect/model-manifest.ts';
import { extractRegions } from '../../edge/drone/change-regions.ts';
import { DeepChangeDetector } from '../../edge/drone/deep-change.ts';
import { FeatureExtractor } from '../../edge/drone/feature-extractor.ts';
import {
  DEFAULT_THRESHOLDS,
  DetectionSettingsSchema,
  RegistrationSettingsSchema,
} from '../../edge/drone/flight-config.ts';
import { loadOpenCv, openCvInitMs } from '../../edge/drone/opencv.ts';
import { PixelChangeDetector } from '../../edge/drone/pixel-change.ts';
import { fillUncovered, matchHistograms } from '../../edge/drone/radiometric.ts';
import { decodeRgb, type RgbImage } from '../../edge/drone/raster.ts';
import { coverageMask, registerImage, warpToBaseline } from '../../edge/drone/registration.ts';
import { invertHomography } from '../../foundation/geometry/homography.ts';
import { benchOrthomosaic } from './drone-orthomosaic-bench.ts';
import { mean, printTable } from './stats.ts';

const PAIRS = [
  ['liwan-aero1/baseline/aero1.jpg', 'flight-2026-11-20-change/DJI_0001.jpg'],
  ['liwan-aero3/baseline/aero3.jpg', 'flight-2026-11-20-change/DJI_0002.jpg'],
  ['liwan-aero1/baseline/aero1.jpg', 'flight-2026-11-21-no-change/DJI_0101.jpg'],
  ['liwan-aero3/baseline/aero3.jpg', 'flight-2026-11-21-no-change/DJI_0102.jpg'],
] as const;
const PASSES = 3;

async function scaled(image: RgbImage, factor: number): Promise<RgbImage> {
  if (factor === 1) return image;
  const { data, info } = await sharp(image.data, {
    raw: { width: image.width, height: image.height, channels: 3 },
  })
    .resize(image.width * factor, image.height * factor, { kernel: 'lanczos3' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height };
}

const time = async <T>(samples: number[], run: () => T | Promise<T>): Promise<T> => {
  const t = performance.now();
  const result = await run();
  samples.push(performance.now() - t);
  return result;
};

/**
 * Time per megapixel of the compared grid (the baseline's) for each stage of a drone comparison,
 * at the fixtures' size (640×480) and upscaled ×2 (1280×960): registration (ORB + RANSAC), warp
 * and radiometric normalisation, the ONNX deep change map beside the pixel baseline's, and region
 * extraction. One-off start-up costs (OpenCV WASM, the ONNX session) are listed apart.
 */
export async function benchDrone(): Promise<void> {
  const cv = await loadOpenCv();
  const sessionStart = performance.now();
  const extractor = await FeatureExtractor.open(await loadFeaturesManifest('nanodet-g-backbone'));
  const sessionMs = performance.now() - sessionStart;
  const deep = new DeepChangeDetector(extractor);
  const pixel = new PixelChangeDetector();
  const registration = RegistrationSettingsSchema.parse({});
  const detection = DetectionSettingsSchema.parse({});
  const rows: (string | number)[][] = [['stage', 'grid', 'ms / image', 'ms / MP']];
  for (const factor of [1, 2]) {
    const stages: Record<string, number[]> = {
      'register (ORB + RANSAC)': [],
      'warp + normalise': [],
      'deep change map (ONNX)': [],
      'pixel change map': [],
      'regions + polygons': [],
    };
    let megapixels = 0;
    for (let pass = 0; pass < PASSES; pass++) {
      for (const [base, flight] of PAIRS) {
        const baseline = await scaled(await decodeRgb(path.join('fixtures/drone/areas', base)), factor);
        const image = await scaled(await decodeRgb(path.join('fixtures/drone/flights', flight)), factor);
        megapixels = (baseline.width * baseline.height) / 1e6;
        const reg = await time(stages['register (ORB + RANSAC)'] ?? [], () =>
          registerImage(cv, baseline, image, registration, flight),
        );
        const { normalised, covered } = await time(stages['warp + normalise'] ?? [], () => {
          const registered = warpToBaseline(cv, image, reg.homography, baseline.width, baseline.height);
          const mask = coverageMask(
            invertHomography(reg.homography),
            baseline.width,
            baseline.height,
            image.width,
            image.height,
            1,
          );
          return {
            normalised: fillUncovered(matchHistograms(registered, baseline, mask), baseline, mask),
            covered: mask,
          };
        });
        const map = await time(stages['deep change map (ONNX)'] ?? [], () =>
          deep.changeMap(baseline, normalised),
        );
        await time(stages['pixel change map'] ?? [], () => pixel.changeMap(baseline, normalised));
        await time(stages['regions + polygons'] ?? [], () =>
          extractRegions(cv, map, covered, { ...detection, threshold: DEFAULT_THRESHOLDS.deep }),
        );
      }
    }
    const grid = `${640 * factor}x${480 * factor}`;
    for (const [stage, samples] of Object.entries(stages)) {
      const ms = mean(samples.slice(PAIRS.length));
      rows.push([stage, grid, ms, ms / megapixels]);
    }
    const total = (names: string[]) =>
      names.reduce((sum, n) => sum + mean((stages[n] ?? []).slice(PAIRS.length)), 0);
    const common = ['register (ORB + RANSAC)', 'warp + normalise', 'regions + polygons'];
    const deepMs = total([...common, 'deep change map (ONNX)']);
    const pixelMs = total([...common, 'pixel change map']);
    rows.push(['whole comparison, deep', grid, deepMs, deepMs / megapixels]);
    rows.push(['whole comparison, pixel baseline', grid, pixelMs, pixelMs / megapixels]);
  }
  await extractor.close();
  printTable(
    `drone comparison, ${PAIRS.length} fixture pairs × ${PASSES} passes (first pass is warm-up); start-up once: OpenCV WASM ${openCvInitMs.toFixed(0)} ms, ONNX session ${sessionMs.toFixed(0)} ms`,
    rows,
  );
  await benchOrthomosaic();
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  await benchDrone();
}
