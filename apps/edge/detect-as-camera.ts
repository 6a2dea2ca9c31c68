import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { loadEdgeConfig } from '../../edge/config/load-edge-config.ts';
import { writeAnnotatedImage } from '../../edge/detect/annotate.ts';
import { describeError } from '../../edge/errors.ts';
import { StillDetector } from '../../edge/replay/still-detector.ts';
import { openLearnedRegions } from '../../edge/suppress/open-learned-regions.ts';
import { printHuman, toJsonDetection } from './print-detections.ts';

interface AsCameraOptions {
  config: string;
  camera?: string;
  threshold?: number;
  json?: boolean;
  annotate?: string;
}

/**
 * `edge detect --config FILE [--camera ID] <image...>`: each image through the camera's own
 * detection stages (see StillDetector), with what its filters dropped listed apart.
 */
export async function detectAsCamera(images: readonly string[], options: AsCameraOptions): Promise<void> {
  const config = await loadEdgeConfig(options.config);
  const { regions } = await openLearnedRegions(config.dataDir, (m) => console.error(`detect: ${m}`));
  const detector = await StillDetector.load(config, options.camera, {
    suppression: regions,
    scoreThreshold: options.threshold,
  });
  if (options.annotate) await mkdir(options.annotate, { recursive: true });
  let failures = 0;
  try {
    for (const image of images) {
      try {
        const { detections, dropped } = await detector.detect(image);
        if (options.json) {
          console.log(
            JSON.stringify({
              image,
              camera: detector.cameraId,
              detections: detections.map(toJsonDetection),
              dropped: dropped.map(toJsonDetection),
            }),
          );
        } else {
          printHuman(image, detections);
          for (const d of dropped)
            console.log(`  (dropped by the camera's filters) ${d.label} ${d.score.toFixed(2)}`);
        }
        if (options.annotate)
          await writeAnnotatedImage(image, detections, path.join(options.annotate, path.basename(image)));
      } catch (error) {
        failures += 1;
        const message = describeError(error);
        if (options.json) console.log(JSON.stringify({ image, error: message }));
        console.error(`${image}: ${message}`);
      }
    }
  } finally {
    await detector.dispose();
  }
  if (failures > 0) process.exitCode = 1;
}
