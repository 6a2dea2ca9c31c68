import { parentPort, workerData } from 'node:worker_threads';
import { CARGO_LABELS, cargoSample } from './synthetic-cargo.ts';
import { backward, forward, parameters, type TinyCnn } from './tiny-cnn.ts';

/**
 * One training worker: holds a shard of the synthetic set (samples i with i % workers ===
 * shard) and computes summed gradients for the mini-batch items the main thread assigns it.
 */

export interface ShardRequest {
  seed: number;
  count: number;
  shard: number;
  workers: number;
  size: number;
}

export interface ShardReady {
  type: 'ready';
  /** per-channel sums of 0..255 values and of their squares, to derive the input normalisation */
  sums: number[];
  sumSquares: number[];
  pixels: number;
  kinds: Record<string, number>;
}

export type WorkerRequest =
  | { type: 'normalise'; mean: number[]; std: number[] }
  | { type: 'step'; net: TinyCnn; items: { local: number; flip: boolean }[] }
  | { type: 'evaluate'; net: TinyCnn }
  | { type: 'generate'; seed: number; count: number };

export interface StepResult {
  type: 'step';
  grads: Float32Array[];
  loss: number;
  correct: number;
}

export interface EvaluateResult {
  type: 'evaluate';
  correct: number;
  count: number;
}

export interface GenerateResult {
  type: 'generate';
  /** the shard's samples of the set: index, label, kind and 8-bit RGB pixels */
  samples: { index: number; label: string; kind: string; data: Uint8Array }[];
}

/** A 64x64 RGB crop as the planar, normalised tensor the network takes, mirrored if asked. */
export function toTensor(
  image: Uint8Array,
  size: number,
  mean: readonly number[],
  std: readonly number[],
  flip = false,
): Float32Array {
  const plane = size * size;
  const out = new Float32Array(3 * plane);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      const sx = flip ? size - 1 - x : x;
      const i = (y * size + sx) * 3;
      const o = y * size + x;
      for (let c = 0; c < 3; c++)
        out[c * plane + o] = ((image[i + c] as number) - (mean[c] as number)) / (std[c] as number);
    }
  return out;
}

function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let k = 1; k < values.length; k++) if ((values[k] as number) > (values[best] as number)) best = k;
  return best;
}

function run(request: ShardRequest): void {
  const port = parentPort;
  if (!port) return;
  const images: Uint8Array[] = [];
  const labels: number[] = [];
  const kinds: Record<string, number> = {};
  const sums = [0, 0, 0];
  const sumSquares = [0, 0, 0];
  for (let i = request.shard; i < request.count; i += request.workers) {
    const sample = cargoSample(request.seed, i, request.size);
    images.push(sample.image.data);
    labels.push(CARGO_LABELS.indexOf(sample.label));
    kinds[sample.kind] = (kinds[sample.kind] ?? 0) + 1;
    const d = sample.image.data;
    for (let p = 0; p < d.length; p += 3)
      for (let c = 0; c < 3; c++) {
        const v = d[p + c] as number;
        sums[c] = (sums[c] as number) + v;
        sumSquares[c] = (sumSquares[c] as number) + v * v;
      }
  }
  const ready: ShardReady = {
    type: 'ready',
    sums,
    sumSquares,
    pixels: images.length * request.size ** 2,
    kinds,
  };
  port.postMessage(ready);
  let mean = [0, 0, 0];
  let std = [1, 1, 1];
  port.on('message', (message: WorkerRequest) => {
    if (message.type === 'normalise') {
      mean = message.mean;
      std = message.std;
    } else if (message.type === 'step') {
      const grads = parameters(message.net).map((p) => new Float32Array(p.length));
      let loss = 0;
      let correct = 0;
      for (const { local, flip } of message.items) {
        const acts = forward(
          message.net,
          toTensor(images[local] as Uint8Array, request.size, mean, std, flip),
        );
        if (argmax(acts.logits) === labels[local]) correct += 1;
        loss += backward(message.net, acts, labels[local] as number, grads);
      }
      const result: StepResult = { type: 'step', grads, loss, correct };
      port.postMessage(result);
    } else if (message.type === 'generate') {
      const samples: GenerateResult['samples'] = [];
      for (let i = request.shard; i < message.count; i += request.workers) {
        const sample = cargoSample(message.seed, i, request.size);
        samples.push({ index: i, label: sample.label, kind: sample.kind, data: sample.image.data });
      }
      const result: GenerateResult = { type: 'generate', samples };
      port.postMessage(result);
    } else {
      let correct = 0;
      for (const [k, image] of images.entries()) {
        const acts = forward(message.net, toTensor(image, request.size, mean, std));
        if (argmax(acts.logits) === labels[k]) correct += 1;
      }
      const result: EvaluateResult = { type: 'evaluate', correct, count: images.length };
      port.postMessage(result);
    }
  });
}

if (parentPort && workerData) run(workerData as ShardRequest);
