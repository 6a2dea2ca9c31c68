import type { onnx } from 'onnx-proto';
import { int, ints, proto } from './onnx-graph-builder.ts';
import type { TinyCnn } from './tiny-cnn.ts';

export interface TinyCnnOnnxOptions {
  inputName: string;
  outputName: string;
  docString: string;
  opset?: number;
}

function floatTensor(name: string, dims: number[], data: Float32Array): onnx.ITensorProto {
  const copy = Float32Array.from(data);
  return {
    name,
    dims,
    dataType: proto.TensorProto.DataType.FLOAT,
    rawData: new Uint8Array(copy.buffer, copy.byteOffset, copy.byteLength),
  };
}

/**
 * The network as an ONNX graph: Conv(3x3, pads 1)+Relu per layer, GlobalAveragePool, Flatten,
 * Gemm, Softmax. Input [N, C, H, W] float32 with a symbolic batch `N`; output [N, classes] of
 * probabilities. The same weights and the same arithmetic as `forward` in tiny-cnn.ts.
 */
export function tinyCnnToOnnx(net: TinyCnn, options: TinyCnnOnnxOptions): Uint8Array {
  const nodes: onnx.INodeProto[] = [];
  const initializers: onnx.ITensorProto[] = [];
  let x = options.inputName;
  for (const [k, layer] of net.convs.entries()) {
    const w = `conv${k}.weight`;
    const b = `conv${k}.bias`;
    initializers.push(floatTensor(w, [layer.outC, layer.inC, 3, 3], layer.weight));
    initializers.push(floatTensor(b, [layer.outC], layer.bias));
    nodes.push({
      opType: 'Conv',
      name: `conv${k}`,
      input: [x, w, b],
      output: [`conv${k}`],
      attribute: [
        ints('kernel_shape', [3, 3]),
        ints('strides', [layer.stride, layer.stride]),
        ints('pads', [1, 1, 1, 1]),
        ints('dilations', [1, 1]),
        int('group', 1),
      ],
    });
    nodes.push({ opType: 'Relu', name: `relu${k}`, input: [`conv${k}`], output: [`relu${k}`] });
    x = `relu${k}`;
  }
  const channels = net.convs[net.convs.length - 1]?.outC ?? 0;
  initializers.push(floatTensor('dense.weight', [net.spec.classes, channels], net.denseWeight));
  initializers.push(floatTensor('dense.bias', [net.spec.classes], net.denseBias));
  nodes.push({ opType: 'GlobalAveragePool', name: 'pool', input: [x], output: ['pooled'] });
  nodes.push({
    opType: 'Flatten',
    name: 'flatten',
    input: ['pooled'],
    output: ['features'],
    attribute: [int('axis', 1)],
  });
  nodes.push({
    opType: 'Gemm',
    name: 'dense',
    input: ['features', 'dense.weight', 'dense.bias'],
    output: ['logits'],
    attribute: [int('transB', 1)],
  });
  nodes.push({
    opType: 'Softmax',
    name: 'softmax',
    input: ['logits'],
    output: [options.outputName],
    attribute: [int('axis', -1)],
  });
  const dim = (d: number | string): onnx.TensorShapeProto.IDimension =>
    typeof d === 'number' ? { dimValue: d } : { dimParam: d };
  const { inputChannels, inputSize, classes } = net.spec;
  const model: onnx.IModelProto = {
    irVersion: 8,
    producerName: 'city-stream-analytics build-muck-classifier',
    docString: options.docString,
    opsetImport: [{ domain: '', version: options.opset ?? 17 }],
    graph: {
      name: 'muck-cover-cls',
      node: nodes,
      initializer: initializers,
      input: [
        {
          name: options.inputName,
          type: {
            tensorType: {
              elemType: proto.TensorProto.DataType.FLOAT,
              shape: { dim: ['N', inputChannels, inputSize, inputSize].map(dim) },
            },
          },
        },
      ],
      output: [
        {
          name: options.outputName,
          type: {
            tensorType: {
              elemType: proto.TensorProto.DataType.FLOAT,
              shape: { dim: ['N', classes].map(dim) },
            },
          },
        },
      ],
    },
  };
  return proto.ModelProto.encode(proto.ModelProto.fromObject(model)).finish();
}
