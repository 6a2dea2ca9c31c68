import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { writeAnnotatedImage } from '../../edge/detect/annotate.ts';
import { Detector } from '../../edge/detect/detector.ts';
import { DEFAULT_MODEL } from '../../edge/detect/model-manifest.ts';
import type { Detection } from '../../edge/detect/types.ts';
import { describeError } from '../../edge/errors.ts';
import { parseProbability } from './options.ts';

interface DetectOptions {
  model: string;
  threshold?: number;
  json?: boolean;
  annotate?: string;
}

const round = (v: number, digits: number) => Number(v.toFixed(digits));

function toJsonDetection(d: Detection) {
  return { label: d.label, score: round(d.score, 4), box: d.box.map((v) => round(v, 1)) };
}

function printHuman(image: string, detections: readonly Detection[]): void {
  console.log(`${image}: ${detections.length} detection${detections.length === 1 ? '' : 's'}`);
  for (const d of detections) {
    const box = d.box.map((v) => v.toFixed(0).padStart(4)).join(' ');
    console.log(`  ${d.label.padEnd(14)} ${d.score.toFixed(2)}  [${box}]`);
  }
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
    .action(async (images: string[], options: DetectOptions) => {
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
