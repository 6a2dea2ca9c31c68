import type { onnx } from 'onnx-proto';
import { float, int, ints, OnnxGraphBuilder, proto, text } from './onnx-graph-builder.ts';
import type { ConstTensor, TfAttr, TfGraph, TfNode } from './tfjs-graph-model.ts';

/**
 * Converts a TF.js graph model to an ONNX model by walking its nodes and mapping each TF op
 * to ONNX ops. Only the ops found in the models we ship are mapped; anything else is refused
 * with the op's name, so a new model fails loudly instead of converting wrongly.
 *
 * TF convolutions run in NHWC; ONNX's in NCHW. Each NHWC conv/pool is wrapped in a pair of
 * transposes, and a final pass removes transpose pairs that cancel out (the graph we read came
 * from ONNX through onnx-tf, which had wrapped every op the other way round).
 */

export interface ConvertOptions {
  inputName: string;
  /** TF output tensor name (e.g. "Identity_2:0" or "Identity_2") to ONNX output name. */
  outputNames: Record<string, string>;
  opset?: number;
  producerName?: string;
  docString?: string;
}

type OnnxNode = onnx.INodeProto;

const NHWC_TO_NCHW = [0, 3, 1, 2];
const NCHW_TO_NHWC = [0, 2, 3, 1];

function tensorRef(ref: string): string {
  const clean = ref.startsWith('^') ? ref.slice(1) : ref;
  return clean.endsWith(':0') ? clean.slice(0, -2) : clean;
}

function decodeString(base64: string | undefined): string {
  return base64 ? Buffer.from(base64, 'base64').toString('utf8') : '';
}

function intList(attr: TfAttr | undefined): number[] {
  return (attr?.list?.i ?? []).map(Number);
}

function elementCount(shape: number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

function foldConstant(node: TfNode, inputs: ConstTensor[]): ConstTensor | undefined {
  const [a, b, c, d] = inputs;
  switch (node.op) {
    case 'SparseToDense': {
      if (!a || !b || !c || !d) return undefined;
      const shape = Array.from(b.data);
      const data = new Int32Array(elementCount(shape)).fill(d.data[0] ?? 0);
      const rank = a.shape[1] ?? 1;
      const strides = shape.map((_, k) => elementCount(shape.slice(k + 1)));
      for (let row = 0; row < (a.shape[0] ?? 0); row++) {
        let flat = 0;
        for (let k = 0; k < rank; k++) flat += (a.data[row * rank + k] ?? 0) * (strides[k] ?? 0);
        data[flat] = c.shape.length === 0 ? (c.data[0] ?? 0) : (c.data[row] ?? 0);
      }
      return { dtype: 'int32', shape, data };
    }
    case 'AddV2':
    case 'Add': {
      if (!a || !b || a.dtype !== 'int32' || b.dtype !== 'int32') return undefined;
      if (a.data.length !== b.data.length && b.data.length !== 1) return undefined;
      const data = new Int32Array(a.data.length);
      for (let k = 0; k < data.length; k++)
        data[k] = (a.data[k] ?? 0) + (b.data[b.data.length === 1 ? 0 : k] ?? 0);
      return { dtype: 'int32', shape: a.shape, data };
    }
    case 'Identity':
      return a;
    default:
      return undefined;
  }
}

/** HWIO (TF) to OIHW (ONNX). */
function filterToOihw(filter: ConstTensor): { shape: number[]; data: Float32Array } {
  const [h = 0, w = 0, i = 0, o = 0] = filter.shape;
  const out = new Float32Array(filter.data.length);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let ci = 0; ci < i; ci++)
        for (let co = 0; co < o; co++)
          out[((co * i + ci) * h + y) * w + x] = filter.data[((y * w + x) * i + ci) * o + co] ?? 0;
  return { shape: [o, i, h, w], data: out };
}

function nhwcWindowParams(node: TfNode): { strides: number[]; pads: number[] } {
  const format = decodeString(node.attr?.data_format?.s) || 'NHWC';
  if (format !== 'NHWC') throw new Error(`${node.name}: data_format ${format} is not supported`);
  const padding = decodeString(node.attr?.padding?.s);
  if (padding !== 'VALID') throw new Error(`${node.name}: padding ${padding} is not supported (only VALID)`);
  const [, sh = 1, sw = 1] = intList(node.attr?.strides);
  return { strides: [sh, sw], pads: [0, 0, 0, 0] };
}

/** Drops Transpose→Transpose chains whose permutations compose to the identity. */
function cancelTransposePairs(nodes: OnnxNode[], graphOutputs: Set<string>): OnnxNode[] {
  const producers = new Map<string, OnnxNode>();
  const consumers = new Map<string, number>();
  for (const n of nodes) {
    for (const o of n.output ?? []) producers.set(o, n);
    for (const i of n.input ?? []) consumers.set(i, (consumers.get(i) ?? 0) + 1);
  }
  const permOf = (n: OnnxNode) => (n.attribute?.find((a) => a.name === 'perm')?.ints ?? []).map(Number);
  const rename = new Map<string, string>();
  const removed = new Set<OnnxNode>();
  for (const second of nodes) {
    if (second.opType !== 'Transpose') continue;
    const firstOut = second.input?.[0] ?? '';
    const first = producers.get(firstOut);
    if (first?.opType !== 'Transpose') continue;
    const p = permOf(first);
    const q = permOf(second);
    if (!q.every((axis, k) => p[axis] === k)) continue;
    const secondOut = second.output?.[0] ?? '';
    if (graphOutputs.has(secondOut)) continue;
    rename.set(secondOut, first.input?.[0] ?? '');
    removed.add(second);
    if (consumers.get(firstOut) === 1) removed.add(first);
  }
  const resolve = (name: string): string => {
    let current = name;
    while (rename.has(current)) current = rename.get(current) ?? current;
    return current;
  };
  return nodes.filter((n) => !removed.has(n)).map((n) => ({ ...n, input: (n.input ?? []).map(resolve) }));
}

export function convertTfGraphToOnnx(graph: TfGraph, options: ConvertOptions): Uint8Array {
  const builder = new OnnxGraphBuilder();
  const constants = new Map(graph.constants);
  const nodeByName = new Map(graph.nodes.map((n) => [n.name, n]));
  let inputShape: number[] = [];

  const constOf = (ref: string): ConstTensor | undefined => constants.get(tensorRef(ref));
  const requireConst = (node: TfNode, ref: string | undefined): ConstTensor => {
    const c = ref === undefined ? undefined : constOf(ref);
    if (!c) throw new Error(`${node.name} (${node.op}): input ${ref} must be a constant`);
    return c;
  };
  const value = (ref: string): string => {
    const name = tensorRef(ref);
    const c = constants.get(name);
    if (c && c.dtype === 'float32') return builder.floatInitializer(name, c.shape, c.data as Float32Array);
    if (c) return builder.int64Initializer(name, Array.from(c.data));
    return name;
  };

  const visited = new Set<string>();
  const ordered: TfNode[] = [];
  const visit = (name: string) => {
    if (visited.has(name)) return;
    visited.add(name);
    const node = nodeByName.get(name);
    if (!node) throw new Error(`graph references a missing node ${name}`);
    for (const input of node.input ?? []) visit(tensorRef(input).split(':')[0] ?? '');
    ordered.push(node);
  };
  const tfOutputs = Object.keys(options.outputNames).map(tensorRef);
  for (const out of tfOutputs) visit(out.split(':')[0] ?? '');

  for (const node of ordered) {
    const inputs = (node.input ?? []).filter((i) => !i.startsWith('^'));
    const out = node.name;
    if (node.op === 'Const') continue;
    const constInputs = inputs.map((i) => constOf(i));
    if (node.op !== 'Placeholder' && constInputs.every((c) => c !== undefined)) {
      const folded = foldConstant(node, constInputs as ConstTensor[]);
      if (!folded) throw new Error(`${node.name}: cannot fold constant op ${node.op}`);
      constants.set(out, folded);
      continue;
    }
    const [first = '', second, third] = inputs;
    switch (node.op) {
      case 'Placeholder': {
        if (node.name !== tensorRef(options.inputName))
          throw new Error(`unexpected graph input ${node.name}`);
        inputShape = (node.attr?.shape?.shape?.dim ?? []).map((d) => Number(d.size));
        break;
      }
      case 'Identity':
        builder.addNode('Identity', [value(first)], [out]);
        break;
      case 'Pad':
      case 'PadV2': {
        const paddings = Array.from(requireConst(node, second).data);
        const begins = paddings.filter((_, k) => k % 2 === 0);
        const ends = paddings.filter((_, k) => k % 2 === 1);
        const padInputs = [value(first), builder.int64Initializer(`${out}/pads`, [...begins, ...ends])];
        if (node.op === 'PadV2' && third) padInputs.push(value(third));
        builder.addNode('Pad', padInputs, [out], [text('mode', 'constant')]);
        break;
      }
      case 'Transpose':
        builder.addNode(
          'Transpose',
          [value(first)],
          [out],
          [ints('perm', Array.from(requireConst(node, second).data))],
        );
        break;
      case 'Conv2D': {
        const filter = requireConst(node, second);
        const { strides, pads } = nhwcWindowParams(node);
        const dilations = intList(node.attr?.dilations).slice(1, 3);
        const weights = filterToOihw(filter);
        const w = builder.floatInitializer(`${out}/weights_oihw`, weights.shape, weights.data);
        const nchw = builder.transpose(value(first), NHWC_TO_NCHW, out);
        const conv = builder.uniqueName(`${out}/conv_nchw`);
        builder.addNode(
          'Conv',
          [nchw, w],
          [conv],
          [
            ints('strides', strides),
            ints('pads', pads),
            ints('dilations', dilations.length === 2 ? dilations : [1, 1]),
            ints('kernel_shape', weights.shape.slice(2)),
          ],
        );
        builder.addNode('Transpose', [conv], [out], [ints('perm', NCHW_TO_NHWC)]);
        break;
      }
      case 'MaxPool': {
        const { strides, pads } = nhwcWindowParams(node);
        const kernel = intList(node.attr?.ksize).slice(1, 3);
        const nchw = builder.transpose(value(first), NHWC_TO_NCHW, out);
        const pool = builder.uniqueName(`${out}/pool_nchw`);
        builder.addNode(
          'MaxPool',
          [nchw],
          [pool],
          [ints('kernel_shape', kernel), ints('strides', strides), ints('pads', pads)],
        );
        builder.addNode('Transpose', [pool], [out], [ints('perm', NCHW_TO_NHWC)]);
        break;
      }
      case 'Add':
      case 'AddV2':
        builder.addNode('Add', [value(first), value(second ?? '')], [out]);
        break;
      case 'LeakyRelu':
        builder.addNode('LeakyRelu', [value(first)], [out], [float('alpha', node.attr?.alpha?.f ?? 0.2)]);
        break;
      case 'Sigmoid':
        builder.addNode('Sigmoid', [value(first)], [out]);
        break;
      case 'ConcatV2': {
        const axisRef = inputs[inputs.length - 1];
        const axis = requireConst(node, axisRef).data[0] ?? 0;
        builder.addNode('Concat', inputs.slice(0, -1).map(value), [out], [int('axis', axis)]);
        break;
      }
      case 'ResizeBilinear': {
        const size = Array.from(requireConst(node, second).data);
        const halfPixel = node.attr?.half_pixel_centers?.b === true;
        const alignCorners = node.attr?.align_corners?.b === true;
        const mode = alignCorners ? 'align_corners' : halfPixel ? 'half_pixel' : 'asymmetric';
        // Full-rank sizes [N, H, W, C] with N and C read from the input at run time: onnxruntime's
        // layout optimiser mis-handles Resize's `axes` attribute when it moves transposes.
        const x = value(first);
        const batch = builder.uniqueName(`${out}/batch`);
        const channels = builder.uniqueName(`${out}/channels`);
        builder.addNode('Shape', [x], [batch], [int('start', 0), int('end', 1)]);
        builder.addNode('Shape', [x], [channels], [int('start', 3), int('end', 4)]);
        const sizes = builder.uniqueName(`${out}/sizes`);
        builder.addNode(
          'Concat',
          [batch, builder.int64Initializer(`${out}/hw`, size), channels],
          [sizes],
          [int('axis', 0)],
        );
        builder.addNode(
          'Resize',
          [x, '', '', sizes],
          [out],
          [text('mode', 'linear'), text('coordinate_transformation_mode', mode)],
        );
        break;
      }
      case 'SplitV': {
        const sizes = Array.from(requireConst(node, second).data);
        const axis = requireConst(node, third).data[0] ?? 0;
        const outs = sizes.map((_, k) => (k === 0 ? out : `${out}:${k}`));
        builder.addNode('Split', [value(first), builder.int64Initializer(`${out}/split`, sizes)], outs, [
          int('axis', axis),
        ]);
        break;
      }
      case 'Reshape': {
        const shape = Array.from(requireConst(node, second).data);
        builder.addNode('Reshape', [value(first), builder.int64Initializer(`${out}/shape`, shape)], [out]);
        break;
      }
      default:
        throw new Error(`${node.name}: TF op ${node.op} has no ONNX mapping in this converter`);
    }
  }

  const outputs = Object.entries(options.outputNames).map(([tfName, onnxName]) => {
    builder.addNode('Identity', [tensorRef(tfName)], [onnxName]);
    return onnxName;
  });
  const nodes = cancelTransposePairs(builder.nodes, new Set(outputs));
  const used = new Set(nodes.flatMap((n) => n.input ?? []));
  const initializers = [...builder.initializers.values()].filter((t) => used.has(t.name ?? ''));

  const floatType = (dims: number[]): onnx.ITypeProto => ({
    tensorType: {
      elemType: proto.TensorProto.DataType.FLOAT,
      shape: { dim: dims.map((d) => (d > 0 ? { dimValue: d } : { dimParam: 'n' })) },
    },
  });
  const model: onnx.IModelProto = {
    irVersion: 8,
    producerName: options.producerName ?? 'city-stream-analytics tf-to-onnx',
    docString: options.docString ?? '',
    opsetImport: [{ domain: '', version: options.opset ?? 18 }],
    graph: {
      name: 'converted',
      node: nodes,
      initializer: initializers,
      input: [{ name: tensorRef(options.inputName), type: floatType(inputShape) }],
      output: outputs.map((name) => ({
        name,
        type: { tensorType: { elemType: proto.TensorProto.DataType.FLOAT } },
      })),
    },
  };
  return proto.ModelProto.encode(proto.ModelProto.fromObject(model)).finish();
}
