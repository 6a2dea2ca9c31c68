import { readFile } from 'node:fs/promises';
import path from 'node:path';

/** The parts of a TF.js graph-model `model.json` that the converter reads. */
export interface TfNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, TfAttr>;
}

export interface TfAttr {
  f?: number;
  i?: string;
  b?: boolean;
  s?: string;
  type?: string;
  list?: { i?: string[]; f?: number[]; s?: string[] };
  shape?: { dim?: { size: string }[] };
}

interface WeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  quantization?: { dtype: 'float16' | 'uint8' | 'uint16'; scale?: number; min?: number };
}

interface ModelJson {
  format: string;
  signature?: {
    inputs?: Record<string, { name: string }>;
    outputs?: Record<string, { name: string }>;
  };
  modelTopology: { node: TfNode[] };
  weightsManifest: { paths: string[]; weights: WeightSpec[] }[];
}

export interface ConstTensor {
  dtype: 'float32' | 'int32';
  shape: number[];
  data: Float32Array | Int32Array;
}

export interface TfGraph {
  nodes: TfNode[];
  constants: Map<string, ConstTensor>;
  outputNames: string[];
  /** The raw artifacts, for loading the same model into TF.js itself. */
  json: ModelJson;
  weightData: ArrayBuffer;
}

/** IEEE 754 half to single precision, as TF.js dequantizes float16 weights. */
export function float16ToFloat32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

function elementCount(shape: number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

function decodeWeight(
  spec: WeightSpec,
  bytes: Buffer,
  offset: number,
): { tensor: ConstTensor; size: number } {
  const count = elementCount(spec.shape);
  const q = spec.quantization;
  if (spec.dtype === 'int32' && !q) {
    const data = new Int32Array(count);
    for (let k = 0; k < count; k++) data[k] = bytes.readInt32LE(offset + 4 * k);
    return { tensor: { dtype: 'int32', shape: spec.shape, data }, size: 4 * count };
  }
  if (spec.dtype === 'float32' && !q) {
    const data = new Float32Array(count);
    for (let k = 0; k < count; k++) data[k] = bytes.readFloatLE(offset + 4 * k);
    return { tensor: { dtype: 'float32', shape: spec.shape, data }, size: 4 * count };
  }
  if (spec.dtype === 'float32' && q?.dtype === 'float16') {
    const data = new Float32Array(count);
    for (let k = 0; k < count; k++) data[k] = float16ToFloat32(bytes.readUInt16LE(offset + 2 * k));
    return { tensor: { dtype: 'float32', shape: spec.shape, data }, size: 2 * count };
  }
  throw new Error(
    `weight ${spec.name}: dtype ${spec.dtype} with quantization ${q?.dtype ?? 'none'} is not supported`,
  );
}

/** Reads a TF.js graph model (model.json and its weight shards) into nodes and constant tensors. */
export async function readTfjsGraphModel(modelJsonPath: string): Promise<TfGraph> {
  const json = JSON.parse(await readFile(modelJsonPath, 'utf8')) as ModelJson;
  if (json.format !== 'graph-model') {
    throw new Error(`${modelJsonPath}: format is "${json.format}", expected "graph-model"`);
  }
  const constants = new Map<string, ConstTensor>();
  const shards: Buffer[] = [];
  for (const group of json.weightsManifest) {
    const bytes = Buffer.concat(
      await Promise.all(group.paths.map((p) => readFile(path.join(path.dirname(modelJsonPath), p)))),
    );
    shards.push(bytes);
    let offset = 0;
    for (const spec of group.weights) {
      const { tensor, size } = decodeWeight(spec, bytes, offset);
      constants.set(spec.name, tensor);
      offset += size;
    }
    if (offset !== bytes.length) {
      throw new Error(`${modelJsonPath}: weights use ${offset} bytes but the shards hold ${bytes.length}`);
    }
  }
  const all = Buffer.concat(shards);
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer;
  const outputNames = Object.values(json.signature?.outputs ?? {}).map((o) => o.name);
  return { nodes: json.modelTopology.node, constants, outputNames, json, weightData };
}
