import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { writeAnnotatedImage } from '../../edge/detect/annotate.ts';
import { Detector } from '../../edge/detect/detector.ts';
import { DEFAULT_MODEL } from '../../edge/detect/model-manifest.ts';
import { describeError } from '../../edge/errors.ts';
import { detectAsCamera } from './detect-as-camera.ts';
import { parseProbability } from './options.ts';
import { printHuman, toJsonDetection } from './print-detections.ts';

interface DetectOptions {
  model: string;
  config?: string;
  camera?: string;
  threshold?: number;
  json?: boolean;
  annotate?: string;
}

export function registerDetectCommand(program: Command): void {
  program
    .command('detect')
    .description('detect objects in images with an ONNX model')
    .argument('<image...>', 'image files (JPEG, PNG, WebP, TIFF…)')
    .option('-m, --model <name>', 'model name under models/ or a manifest path', DEFAULT_MODEL)
    .option('-t, --threshold <score>', "minimum score (default: the manifest's)", parseProbability)
    .option('--json', 'print one JSON object per image')
    .option('--annotate <dir>', 'write each image with its boxes drawn into this folder')
    .option(
      '-c, --config <file>',
      "edge config: detect as its camera does (the camera's models, suppression regions and verifiers; --model is not used)",
    )
    .option('--camera <id>', 'camera of --config (needed when it has several)')
    .action(async (images: string[], options: DetectOptions) => {
      if (options.config) return detectAsCamera(images, { ...options, config: options.config });
      const detector = await Detector.load(options.model, { scoreThreshold: options.threshold });
      if (options.annotate) await mkdir(options.annotate, { recursive: true });
      let failures = 0;
      for (const image of images) {
        try {
          const detections = await detector.detect(image);
          if (options.json) {
            console.log(JSON.stringify({ image, detections: detections.map(toJsonDetection) }));
          } else {
            printHuman(image, detections);
          }
          if (options.annotate) {
            const out = path.join(options.annotate, path.basename(image));
            await writeAnnotatedImage(image, detections, out);
          }
        } catch (error) {
          failures += 1;
          const message = describeError(error);
          if (options.json) console.log(JSON.stringify({ image, error: message }));
          console.error(`${image}: ${message}`);
        }
      }
      await detector.dispose();
      if (failures > 0) process.exitCode = 1;
    });
}
