/**
 * A small convolutional classifier trained in plain TypeScript: 3x3 convolutions (padding 1) with
 * ReLU, global average pooling, one dense layer to logits, softmax cross-entropy, Adam. Tensors
 * are Float32Array in CHW order, one image at a time; a mini-batch sums the gradients of its
 * images. No threads and no random state inside, so a run is reproducible from its seed.
 *
 * (@tensorflow/tfjs's pure-JS CPU backend was measured at ~650 ms per 64x64 image for one
 * training step of a comparable network; these loops take a few ms.)
 */

export interface ConvSpec {
  out: number;
  stride: 1 | 2;
}

export interface TinyCnnSpec {
  inputChannels: number;
  inputSize: number;
  convs: readonly ConvSpec[];
  classes: number;
}

export interface ConvLayer {
  inC: number;
  outC: number;
  stride: number;
  inSize: number;
  outSize: number;
  /** [outC, inC, 3, 3] */
  weight: Float32Array;
  bias: Float32Array;
}

export interface TinyCnn {
  spec: TinyCnnSpec;
  convs: ConvLayer[];
  /** [classes, channels of the last conv] */
  denseWeight: Float32Array;
  denseBias: Float32Array;
}

/** Every parameter array, in a fixed order (optimiser state and gradients follow it). */
export function parameters(net: TinyCnn): Float32Array[] {
  return [...net.convs.flatMap((c) => [c.weight, c.bias]), net.denseWeight, net.denseBias];
}

/** He-normal initialisation from `gaussian`, a seeded N(0, 1) source. */
export function createTinyCnn(spec: TinyCnnSpec, gaussian: () => number): TinyCnn {
  const convs: ConvLayer[] = [];
  let inC = spec.inputChannels;
  let size = spec.inputSize;
  for (const { out, stride } of spec.convs) {
    const outSize = Math.floor((size + 2 - 3) / stride) + 1;
    const weight = new Float32Array(out * inC * 9);
    const scale = Math.sqrt(2 / (inC * 9));
    for (let k = 0; k < weight.length; k++) weight[k] = gaussian() * scale;
    convs.push({ inC, outC: out, stride, inSize: size, outSize, weight, bias: new Float32Array(out) });
    inC = out;
    size = outSize;
  }
  const denseWeight = new Float32Array(spec.classes * inC);
  const scale = Math.sqrt(1 / inC);
  for (let k = 0; k < denseWeight.length; k++) denseWeight[k] = gaussian() * scale;
  return { spec, convs, denseWeight, denseBias: new Float32Array(spec.classes) };
}

/** Per-image activations kept for the backward pass. */
export interface Activations {
  /** layer inputs: [0] is the image, [k] the ReLU output of conv k-1 */
  maps: Float32Array[];
  /** each conv's patch matrix */
  cols: Float32Array[];
  pooled: Float32Array;
  logits: Float32Array;
}

/**
 * Walks the rows of the 3x3 patch matrix of a CHW map ([inC * 9, outSize * outSize], zero outside
 * the map) where they overlap the map: matrix index `colStart + ox` holds map index
 * `mapStart + ox * stride` for every ox in [oxFrom, oxTo).
 */
function forEachPatchRow(
  layer: ConvLayer,
  visit: (colStart: number, mapStart: number, oxFrom: number, oxTo: number) => void,
): void {
  const { inC, stride, inSize, outSize } = layer;
  const plane = outSize * outSize;
  for (let ci = 0; ci < inC; ci++) {
    for (let ky = 0; ky < 3; ky++) {
      for (let kx = 0; kx < 3; kx++) {
        const row = ((ci * 3 + ky) * 3 + kx) * plane;
        let oxFrom = 0;
        while (oxFrom < outSize && oxFrom * stride + kx - 1 < 0) oxFrom++;
        let oxTo = outSize;
        while (oxTo > oxFrom && (oxTo - 1) * stride + kx - 1 >= inSize) oxTo--;
        for (let oy = 0; oy < outSize; oy++) {
          const iy = oy * stride + ky - 1;
          if (iy < 0 || iy >= inSize) continue;
          visit(row + oy * outSize, ci * inSize * inSize + iy * inSize + kx - 1, oxFrom, oxTo);
        }
      }
    }
  }
}

/** The patch matrix of a map, so that the convolution is a product of two matrices with contiguous inner loops. */
function im2col(layer: ConvLayer, input: Float32Array): Float32Array {
  const { inC, stride, outSize } = layer;
  const col = new Float32Array(inC * 9 * outSize * outSize);
  forEachPatchRow(layer, (colStart, mapStart, oxFrom, oxTo) => {
    for (let ox = oxFrom; ox < oxTo; ox++) col[colStart + ox] = input[mapStart + ox * stride] as number;
  });
  return col;
}

/** Adds the columns' gradients back onto the input map they were copied from. */
function col2im(layer: ConvLayer, gradCol: Float32Array): Float32Array {
  const { inC, stride, inSize } = layer;
  const gradIn = new Float32Array(inC * inSize * inSize);
  forEachPatchRow(layer, (colStart, mapStart, oxFrom, oxTo) => {
    for (let ox = oxFrom; ox < oxTo; ox++)
      gradIn[mapStart + ox * stride] =
        (gradIn[mapStart + ox * stride] as number) + (gradCol[colStart + ox] as number);
  });
  return gradIn;
}

/** Where the planes of output channels co..co+3 start. */
function fourPlanes(co: number, plane: number): [number, number, number, number] {
  const start = co * plane;
  return [start, start + plane, start + 2 * plane, start + 3 * plane];
}

/** Convolution + ReLU; also returns the patch matrix for the backward pass. */
function convForward(layer: ConvLayer, input: Float32Array): { out: Float32Array; col: Float32Array } {
  const { inC, outC, outSize, weight, bias } = layer;
  const plane = outSize * outSize;
  const k9 = inC * 9;
  const col = im2col(layer, input);
  const out = new Float32Array(outC * plane);
  for (let co = 0; co < outC; co++) out.fill(bias[co] as number, co * plane, (co + 1) * plane);
  // four output channels at a time: each patch value is read once for four products
  let co = 0;
  for (; co + 4 <= outC; co += 4) {
    const [o0, o1, o2, o3] = fourPlanes(co, plane);
    for (let k = 0; k < k9; k++) {
      const w0 = weight[co * k9 + k] as number;
      const w1 = weight[(co + 1) * k9 + k] as number;
      const w2 = weight[(co + 2) * k9 + k] as number;
      const w3 = weight[(co + 3) * k9 + k] as number;
      const c = k * plane;
      for (let p = 0; p < plane; p++) {
        const v = col[c + p] as number;
        out[o0 + p] = (out[o0 + p] as number) + w0 * v;
        out[o1 + p] = (out[o1 + p] as number) + w1 * v;
        out[o2 + p] = (out[o2 + p] as number) + w2 * v;
        out[o3 + p] = (out[o3 + p] as number) + w3 * v;
      }
    }
  }
  for (; co < outC; co++) {
    const o = co * plane;
    for (let k = 0; k < k9; k++) {
      const w = weight[co * k9 + k] as number;
      const c = k * plane;
      for (let p = 0; p < plane; p++) out[o + p] = (out[o + p] as number) + w * (col[c + p] as number);
    }
  }
  for (let i = 0; i < out.length; i++) if ((out[i] as number) < 0) out[i] = 0;
  return { out, col };
}

/** Accumulates the weight and bias gradients; returns the input gradient unless `needInput` is false. */
function convBackward(
  layer: ConvLayer,
  col: Float32Array,
  output: Float32Array,
  gradOut: Float32Array,
  gradWeight: Float32Array,
  gradBias: Float32Array,
  needInput: boolean,
): Float32Array | undefined {
  const { inC, outC, outSize, weight } = layer;
  const plane = outSize * outSize;
  const k9 = inC * 9;
  // through the ReLU
  for (let i = 0; i < gradOut.length; i++) if ((output[i] as number) <= 0) gradOut[i] = 0;
  const gradCol = needInput ? new Float32Array(k9 * plane) : undefined;
  for (let co = 0; co < outC; co++) {
    let sum = 0;
    for (let p = co * plane; p < (co + 1) * plane; p++) sum += gradOut[p] as number;
    gradBias[co] = (gradBias[co] as number) + sum;
  }
  // four output channels at a time, as in the forward pass
  let co = 0;
  for (; co + 4 <= outC; co += 4) {
    const [g0, g1, g2, g3] = fourPlanes(co, plane);
    for (let k = 0; k < k9; k++) {
      const c = k * plane;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let p = 0; p < plane; p++) {
        const v = col[c + p] as number;
        s0 += (gradOut[g0 + p] as number) * v;
        s1 += (gradOut[g1 + p] as number) * v;
        s2 += (gradOut[g2 + p] as number) * v;
        s3 += (gradOut[g3 + p] as number) * v;
      }
      gradWeight[co * k9 + k] = (gradWeight[co * k9 + k] as number) + s0;
      gradWeight[(co + 1) * k9 + k] = (gradWeight[(co + 1) * k9 + k] as number) + s1;
      gradWeight[(co + 2) * k9 + k] = (gradWeight[(co + 2) * k9 + k] as number) + s2;
      gradWeight[(co + 3) * k9 + k] = (gradWeight[(co + 3) * k9 + k] as number) + s3;
      if (gradCol) {
        const w0 = weight[co * k9 + k] as number;
        const w1 = weight[(co + 1) * k9 + k] as number;
        const w2 = weight[(co + 2) * k9 + k] as number;
        const w3 = weight[(co + 3) * k9 + k] as number;
        for (let p = 0; p < plane; p++) {
          gradCol[c + p] =
            (gradCol[c + p] as number) +
            w0 * (gradOut[g0 + p] as number) +
            w1 * (gradOut[g1 + p] as number) +
            w2 * (gradOut[g2 + p] as number) +
            w3 * (gradOut[g3 + p] as number);
        }
      }
    }
  }
  for (; co < outC; co++) {
    const g = co * plane;
    for (let k = 0; k < k9; k++) {
      const c = k * plane;
      let gw = 0;
      for (let p = 0; p < plane; p++) gw += (gradOut[g + p] as number) * (col[c + p] as number);
      gradWeight[co * k9 + k] = (gradWeight[co * k9 + k] as number) + gw;
      if (gradCol) {
        const w = weight[co * k9 + k] as number;
        for (let p = 0; p < plane; p++)
          gradCol[c + p] = (gradCol[c + p] as number) + w * (gradOut[g + p] as number);
      }
    }
  }
  return gradCol ? col2im(layer, gradCol) : undefined;
}

/** Logits of one CHW image, keeping what the backward pass needs. */
export function forward(net: TinyCnn, image: Float32Array): Activations {
  const maps = [image];
  const cols: Float32Array[] = [];
  let x = image;
  for (const layer of net.convs) {
    const { out, col } = convForward(layer, x);
    x = out;
    maps.push(x);
    cols.push(col);
  }
  const last = net.convs[net.convs.length - 1] as ConvLayer;
  const plane = last.outSize * last.outSize;
  const pooled = new Float32Array(last.outC);
  for (let c = 0; c < last.outC; c++) {
    let sum = 0;
    for (let p = 0; p < plane; p++) sum += x[c * plane + p] as number;
    pooled[c] = sum / plane;
  }
  const classes = net.spec.classes;
  const logits = new Float32Array(classes);
  for (let k = 0; k < classes; k++) {
    let sum = net.denseBias[k] as number;
    for (let c = 0; c < last.outC; c++)
      sum += (net.denseWeight[k * last.outC + c] as number) * (pooled[c] as number);
    logits[k] = sum;
  }
  return { maps, cols, pooled, logits };
}

export function softmax(logits: ArrayLike<number>): number[] {
  const values = Array.from(logits);
  const max = Math.max(...values);
  const exps = values.map((v) => Math.exp(v - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

/** Adds one image's gradients of the cross-entropy loss into `grads`; returns the loss. */
export function backward(net: TinyCnn, acts: Activations, label: number, grads: Float32Array[]): number {
  const probabilities = softmax(acts.logits);
  const last = net.convs[net.convs.length - 1] as ConvLayer;
  const channels = last.outC;
  const gradDenseW = grads[grads.length - 2] as Float32Array;
  const gradDenseB = grads[grads.length - 1] as Float32Array;
  const gradPooled = new Float32Array(channels);
  for (let k = 0; k < net.spec.classes; k++) {
    const d = (probabilities[k] as number) - (k === label ? 1 : 0);
    gradDenseB[k] = (gradDenseB[k] as number) + d;
    for (let c = 0; c < channels; c++) {
      gradDenseW[k * channels + c] =
        (gradDenseW[k * channels + c] as number) + d * (acts.pooled[c] as number);
      gradPooled[c] = (gradPooled[c] as number) + d * (net.denseWeight[k * channels + c] as number);
    }
  }
  const plane = last.outSize * last.outSize;
  let grad: Float32Array = new Float32Array(channels * plane);
  for (let c = 0; c < channels; c++) grad.fill((gradPooled[c] as number) / plane, c * plane, (c + 1) * plane);
  for (let l = net.convs.length - 1; l >= 0; l--) {
    const layer = net.convs[l] as ConvLayer;
    const next = convBackward(
      layer,
      acts.cols[l] as Float32Array,
      acts.maps[l + 1] as Float32Array,
      grad,
      grads[2 * l] as Float32Array,
      grads[2 * l + 1] as Float32Array,
      l > 0,
    );
    if (next) grad = next;
  }
  return -Math.log(Math.max(1e-12, probabilities[label] as number));
}

/** Adam with decoupled weight decay (AdamW) over `parameters(net)`. */
export class Adam {
  private readonly m: Float32Array[];
  private readonly v: Float32Array[];
  private step = 0;

  constructor(
    private readonly params: Float32Array[],
    private readonly options: { beta1?: number; beta2?: number; epsilon?: number; weightDecay?: number } = {},
  ) {
    this.m = params.map((p) => new Float32Array(p.length));
    this.v = params.map((p) => new Float32Array(p.length));
  }

  /** Applies `grads` (already averaged over the batch) with learning rate `lr`. */
  update(grads: Float32Array[], lr: number): void {
    const { beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8, weightDecay = 0 } = this.options;
    this.step += 1;
    const c1 = 1 - beta1 ** this.step;
    const c2 = 1 - beta2 ** this.step;
    for (const [k, p] of this.params.entries()) {
      const g = grads[k] as Float32Array;
      const m = this.m[k] as Float32Array;
      const v = this.v[k] as Float32Array;
      // biases (1-D, one per output) are not decayed
      const decay = p.length > 16 && k < this.params.length - 1 ? weightDecay : 0;
      for (let i = 0; i < p.length; i++) {
        const gi = g[i] as number;
        m[i] = beta1 * (m[i] as number) + (1 - beta1) * gi;
        v[i] = beta2 * (v[i] as number) + (1 - beta2) * gi * gi;
        const update = (m[i] as number) / c1 / (Math.sqrt((v[i] as number) / c2) + epsilon);
        p[i] = (p[i] as number) - lr * (update + decay * (p[i] as number));
      }
    }
  }
}
