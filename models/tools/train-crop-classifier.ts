import * as ort from 'onnxruntime-node';
import { decodeRgb } from '../../foundation/media/decode-rgb.ts';
import type { Box, RawImage } from '../../foundation/media/frame.ts';
import { resizeCrop } from '../../foundation/media/resample.ts';
import { verifierCrop } from '../../foundation/models/verifier-crop.ts';
import { Rng } from '../../foundation/util/seeded-rng.ts';
import { toTensor } from './muck-train-worker.ts';
import { Adam, backward, type ConvSpec, createTinyCnn, forward, parameters } from './tiny-cnn.ts';
import { tinyCnnToOnnx } from './tiny-cnn-onnx.ts';
import type { CropSample } from './verifier-dataset.ts';

/**
 * Trains the tiny CNN (tiny-cnn.ts) on crops of labelled boxes from real images, in this thread:
 * reviewed datasets are hundreds to a few thousand boxes, so no workers are needed. Each epoch
 * oversamples the smaller classes to the size of the largest and re-crops every box with a seeded
 * jitter (shift, scale, mirror), so a few dozen rejected boxes still train a balanced model.
 */

export interface CropTrainingSettings {
  seed: number;
  /** Side of the square input the crops are stretched to. */
  size: number;
  convs: readonly ConvSpec[];
  epochs: number;
  batch: number;
  learningRate: number;
  weightDecay: number;
  /** Share of the box's size added on each side (see foundation/models/verifier-crop.ts). */
  cropContext: number;
  /** The part of the box to crop, as fractions [x1, y1, x2, y2] of it (a truck's load bed). */
  region: readonly [number, number, number, number];
  /** Largest random shift and scale change of a training crop, as a share of the box's size. */
  jitter: number;
  classes: readonly string[];
}

export interface TrainedCropClassifier {
  onnx: Uint8Array;
  mean: [number, number, number];
  std: [number, number, number];
  /** Per validation sample (reviewed ones only, in sample order): its class and the model's probabilities. */
  validation: { cls: number; probabilities: number[] }[];
  counts: { train: number[]; val: number[] };
  epochs: { epoch: number; loss: number; accuracy: number }[];
  parameters: number;
  seconds: { load: number; train: number };
}

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;

function regionOf(box: Box, region: CropTrainingSettings['region']): Box {
  const [x1, y1, x2, y2] = box;
  const w = x2 - x1;
  const h = y2 - y1;
  return [x1 + region[0] * w, y1 + region[1] * h, x1 + region[2] * w, y1 + region[3] * h];
}

function jittered(box: Box, jitter: number, rng: Rng): Box {
  const [x1, y1, x2, y2] = box;
  const w = (x2 - x1) * (1 + rng.range(-jitter, jitter));
  const h = (y2 - y1) * (1 + rng.range(-jitter, jitter));
  const cx = (x1 + x2) / 2 + (x2 - x1) * rng.range(-jitter, jitter);
  const cy = (y1 + y2) / 2 + (y2 - y1) * rng.range(-jitter, jitter);
  return [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2];
}

/** The sample's crop as size x size RGB, the way the edge's Classifier stretches it. */
function cropPixels(image: RawImage, box: Box, settings: CropTrainingSettings): Uint8Array | undefined {
  const crop = verifierCrop(box, settings.cropContext, image.width, image.height);
  if (crop[2] - crop[0] < 1 || crop[3] - crop[1] < 1) return undefined;
  return resizeCrop(image, crop, settings.size, settings.size).data;
}

function learningRate(settings: CropTrainingSettings, step: number, total: number): number {
  const warmup = Math.min(50, total / 10);
  if (step < warmup) return (settings.learningRate * (step + 1)) / warmup;
  const t = (step - warmup) / Math.max(1, total - warmup);
  return settings.learningRate * (0.03 + 0.97 * 0.5 * (1 + Math.cos(Math.PI * t)));
}

function channelStats(crops: readonly Uint8Array[]): { mean: number[]; std: number[] } {
  const sums = [0, 0, 0];
  const squares = [0, 0, 0];
  let pixels = 0;
  for (const data of crops) {
    for (let i = 0; i < data.length; i += 3) {
      for (let c = 0; c < 3; c++) {
        const v = data[i + c] as number;
        sums[c] = (sums[c] as number) + v;
        squares[c] = (squares[c] as number) + v * v;
      }
      pixels += 1;
    }
  }
  const mean = sums.map((s) => s / Math.max(1, pixels));
  const std = squares.map((s, c) =>
    Math.sqrt(Math.max(1, s / Math.max(1, pixels) - (mean[c] as number) ** 2)),
  );
  return { mean: mean.map((v) => round(v, 1)), std: std.map((v) => round(v, 1)) };
}

/** Each epoch's order: every sample once, smaller classes topped up by seeded draws to the largest. */
function balancedEpoch(byClass: readonly number[][], rng: Rng): number[] {
  const largest = Math.max(...byClass.map((c) => c.length));
  const order = byClass.flatMap((members) =>
    members.length === 0
      ? []
      : [...members, ...Array.from({ length: largest - members.length }, () => rng.pick(members))],
  );
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  return order;
}

async function loadImages(samples: readonly CropSample[]): Promise<Map<string, RawImage>> {
  const images = new Map<string, RawImage>();
  for (const s of samples) {
    if (images.has(s.image)) continue;
    try {
      images.set(s.image, await decodeRgb(s.image));
    } catch (error) {
      throw new Error(`${s.image}: cannot be decoded (${(error as Error).message})`);
    }
  }
  return images;
}

async function runOnnx(onnx: Uint8Array, tensors: readonly Float32Array[], size: number, classes: number) {
  const session = await ort.InferenceSession.create(onnx, { logSeverityLevel: 3 });
  const out: number[][] = [];
  try {
    const per = 3 * size * size;
    for (let b = 0; b < tensors.length; b += 64) {
      const chunk = tensors.slice(b, b + 64);
      const input = new Float32Array(per * chunk.length);
      for (const [k, t] of chunk.entries()) input.set(t, k * per);
      const result = await session.run({
        input: new ort.Tensor('float32', input, [chunk.length, 3, size, size]),
      });
      const data = (result.probabilities as ort.Tensor).data as Float32Array;
      for (let k = 0; k < chunk.length; k++)
        out.push(Array.from(data.subarray(k * classes, (k + 1) * classes)));
    }
  } finally {
    await session.release();
  }
  return out;
}

export async function trainCropClassifier(
  samples: readonly CropSample[],
  settings: CropTrainingSettings,
  log: (line: string) => void = console.log,
): Promise<TrainedCropClassifier> {
  const started = performance.now();
  const images = await loadImages(samples);
  const image = (s: CropSample) => images.get(s.image) as RawImage;
  const train = samples.filter((s) => s.split === 'train');
  const val = samples.filter((s) => s.split === 'val' && !s.weak);
  const plain = (s: CropSample) => cropPixels(image(s), regionOf(s.box, settings.region), settings);
  const stats = channelStats(train.map(plain).filter((c) => c !== undefined));
  const mean = stats.mean as [number, number, number];
  const std = stats.std as [number, number, number];
  const classes = settings.classes.length;
  const byClass = Array.from({ length: classes }, (_, c) =>
    train.flatMap((s, i) => (s.cls === c ? [i] : [])),
  );
  const counts = {
    train: byClass.map((c) => c.length),
    val: settings.classes.map((_, c) => val.filter((s) => s.cls === c).length),
  };
  const loaded = performance.now();
  log(
    `${images.size} images, train ${counts.train.join('/')} and val ${counts.val.join('/')} (${settings.classes.join('/')}); mean ${mean.join('/')}, std ${std.join('/')}`,
  );

  const rng = new Rng(settings.seed);
  const net = createTinyCnn(
    { inputChannels: 3, inputSize: settings.size, convs: settings.convs, classes },
    () => rng.gaussian(),
  );
  const params = parameters(net);
  const adam = new Adam(params, { weightDecay: settings.weightDecay });
  const perEpoch = Math.max(...counts.train) * counts.train.filter((n) => n > 0).length;
  const totalSteps = Math.ceil(perEpoch / settings.batch) * settings.epochs;
  const epochs: TrainedCropClassifier['epochs'] = [];
  let step = 0;
  for (let epoch = 1; epoch <= settings.epochs; epoch++) {
    const order = balancedEpoch(byClass, rng);
    let loss = 0;
    let correct = 0;
    let seen = 0;
    for (let b = 0; b < order.length; b += settings.batch) {
      const grads = params.map((p) => new Float32Array(p.length));
      let inBatch = 0;
      for (const index of order.slice(b, b + settings.batch)) {
        const s = train[index] as CropSample;
        const box = jittered(regionOf(s.box, settings.region), settings.jitter, rng);
        const flip = rng.chance(0.5);
        const pixels = cropPixels(image(s), box, settings);
        if (!pixels) continue;
        const acts = forward(net, toTensor(pixels, settings.size, mean, std, flip));
        loss += backward(net, acts, s.cls, grads);
        let best = 0;
        for (let k = 1; k < classes; k++)
          if ((acts.logits[k] as number) > (acts.logits[best] as number)) best = k;
        if (best === s.cls) correct += 1;
        inBatch += 1;
      }
      if (inBatch === 0) continue;
      for (const g of grads) for (let i = 0; i < g.length; i++) g[i] = (g[i] as number) / inBatch;
      adam.update(grads, learningRate(settings, step, totalSteps));
      step += 1;
      seen += inBatch;
    }
    epochs.push({ epoch, loss: round(loss / seen, 4), accuracy: round(correct / seen, 4) });
    log(
      `epoch ${epoch}/${settings.epochs}: loss ${(loss / seen).toFixed(4)}, accuracy ${(correct / seen).toFixed(4)}`,
    );
  }
  const trained = performance.now();
  const onnx = tinyCnnToOnnx(net, {
    inputName: 'input',
    outputName: 'probabilities',
    docString: `crop classifier: ${settings.classes.join(' / ')}`,
  });
  const judged = val.flatMap((s) => {
    const pixels = plain(s);
    return pixels ? [{ cls: s.cls, tensor: toTensor(pixels, settings.size, mean, std) }] : [];
  });
  const probabilities = await runOnnx(
    onnx,
    judged.map((j) => j.tensor),
    settings.size,
    classes,
  );
  return {
    onnx,
    mean,
    std,
    validation: judged.map((j, k) => ({ cls: j.cls, probabilities: probabilities[k] as number[] })),
    counts,
    epochs,
    parameters: params.reduce((n, p) => n + p.length, 0),
    seconds: { load: round((loaded - started) / 1000, 1), train: round((trained - loaded) / 1000, 1) },
  };
}
