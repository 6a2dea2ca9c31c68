import onnxProto, { type onnx } from 'onnx-proto';

export const proto = onnxProto.onnx;

export function ints(name: string, values: number[]): onnx.IAttributeProto {
  return { name, type: proto.AttributeProto.AttributeType.INTS, ints: values };
}
export function int(name: string, value: number): onnx.IAttributeProto {
  return { name, type: proto.AttributeProto.AttributeType.INT, i: value };
}
export function float(name: string, value: number): onnx.IAttributeProto {
  return { name, type: proto.AttributeProto.AttributeType.FLOAT, f: value };
}
export function text(name: string, value: string): onnx.IAttributeProto {
  return { name, type: proto.AttributeProto.AttributeType.STRING, s: new TextEncoder().encode(value) };
}

/** Collects the nodes and initializers of an ONNX graph under construction. */
export class OnnxGraphBuilder {
  readonly nodes: onnx.INodeProto[] = [];
  readonly initializers = new Map<string, onnx.ITensorProto>();
  private counter = 0;

  uniqueName(base: string): string {
    this.counter += 1;
    return `${base}__${this.counter}`;
  }

  addNode(
    opType: string,
    inputs: string[],
    outputs: string[],
    attributes: onnx.IAttributeProto[] = [],
  ): void {
    this.nodes.push({
      opType,
      input: inputs,
      output: outputs,
      attribute: attributes,
      name: outputs[0] ?? '',
    });
  }

  floatInitializer(name: string, shape: number[], data: Float32Array): string {
    if (!this.initializers.has(name)) {
      this.initializers.set(name, {
        name,
        dims: shape,
        dataType: proto.TensorProto.DataType.FLOAT,
        rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      });
    }
    return name;
  }

  int64Initializer(name: string, values: number[]): string {
    const bytes = new Uint8Array(8 * values.length);
    const view = new DataView(bytes.buffer);
    for (const [k, v] of values.entries()) view.setBigInt64(8 * k, BigInt(v), true);
    this.initializers.set(name, {
      name,
      dims: [values.length],
      dataType: proto.TensorProto.DataType.INT64,
      rawData: bytes,
    });
    return name;
  }

  transpose(input: string, perm: number[], nameHint: string): string {
    const output = this.uniqueName(`${nameHint}/transpose`);
    this.addNode('Transpose', [input], [output], [ints('perm', perm)]);
    return output;
  }
}
