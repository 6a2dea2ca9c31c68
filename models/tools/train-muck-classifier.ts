import { Worker } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import { Rng } from '../../foundation/util/seeded-rng.ts';
import type {
  EvaluateResult,
  GenerateResult,
  ShardReady,
  ShardRequest,
  StepResult,
  WorkerRequest,
} from './muck-train-worker.ts';
import { toTensor } from './muck-train-worker.ts';
import { CARGO_LABELS } from './synthetic-cargo.ts';
import {
  Adam,
  type ConvSpec,
  createTinyCnn,
  forward,
  parameters,
  softmax,
  type TinyCnn,
} from './tiny-cnn.ts';
import { tinyCnnToOnnx } from './tiny-cnn-onnx.ts';

/**
 * The training loop of the muck-truck load classifier: two worker threads (always two, so that
 * gradient sums run in one order and a rebuild gives the same bytes on any machine with the same
 * Node version) each hold half the training set; this thread owns the network and the optimiser.
 */

export interface MuckTrainingSettings {
  /** seed of the training set and of the initialisation, shuffling and flips */
  seed: number;
  count: number;
  heldOutSeed: number;
  heldOutCount: number;
  epochs: number;
  batch: number;
  learningRate: number;
  weightDecay: number;
  size: number;
  convs: readonly ConvSpec[];
  workers: number;
}

type Settings = MuckTrainingSettings;

class TrainingWorker {
  private readonly worker: Worker;
  private pending: ((message: unknown) => void)[] = [];
  readonly ready: Promise<ShardReady>;

  constructor(request: ShardRequest) {
    const api = import.meta.resolve('tsx/esm/api');
    const module = new URL('./muck-train-worker.ts', import.meta.url).href;
    // tsx's loader does not reach worker threads by itself: the worker imports the module through it
    const code = `import(${JSON.stringify(api)}).then((m) => m.tsImport(${JSON.stringify(module)}, ${JSON.stringify(module)}))`;
    this.worker = new Worker(code, { eval: true, workerData: request });
    this.worker.on('message', (message: unknown) => this.pending.shift()?.(message));
    this.worker.on('error', (error) => {
      console.error(error);
      process.exit(1);
    });
    this.ready = this.next<ShardReady>();
  }

  private next<T>(): Promise<T> {
    return new Promise<T>((resolve) => this.pending.push(resolve as (m: unknown) => void));
  }

  send(request: WorkerRequest): void {
    this.worker.postMessage(request);
  }

  ask<T>(request: WorkerRequest): Promise<T> {
    const reply = this.next<T>();
    this.worker.postMessage(request);
    return reply;
  }

  terminate(): Promise<number> {
    return this.worker.terminate();
  }
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

function learningRate(settings: Settings, step: number, total: number): number {
  const warmup = Math.min(100, total / 10);
  if (step < warmup) return (settings.learningRate * (step + 1)) / warmup;
  const t = (step - warmup) / Math.max(1, total - warmup);
  return settings.learningRate * (0.03 + 0.97 * 0.5 * (1 + Math.cos(Math.PI * t)));
}

export interface TrainingReport {
  settings: Settings;
  mean: number[];
  std: number[];
  trainKinds: Record<string, number>;
  epochs: { epoch: number; loss: number; accuracy: number }[];
  trainAccuracy: number;
  heldOut: {
    accuracy: number;
    count: number;
    byKind: Record<string, { count: number; accuracy: number }>;
    confusion: Record<string, Record<string, number>>;
  };
  parityMaxAbsDiff: number;
  parameters: number;
  seconds: { generate: number; train: number; total: number };
}

export async function trainMuckClassifier(
  settings: Settings,
  log: (line: string) => void = console.log,
): Promise<{ net: TinyCnn; report: TrainingReport }> {
  const started = performance.now();
  const workers = Array.from(
    { length: settings.workers },
    (_, shard) =>
      new TrainingWorker({
        seed: settings.seed,
        count: settings.count,
        shard,
        workers: settings.workers,
        size: settings.size,
      }),
  );
  try {
    const shards = await Promise.all(workers.map((w) => w.ready));
    const generated = performance.now();
    const pixels = shards.reduce((n, s) => n + s.pixels, 0);
    const mean = [0, 1, 2].map((c) => shards.reduce((n, s) => n + (s.sums[c] as number), 0) / pixels);
    const std = [0, 1, 2].map((c) =>
      Math.sqrt(
        shards.reduce((n, s) => n + (s.sumSquares[c] as number), 0) / pixels - (mean[c] as number) ** 2,
      ),
    );
    const meanR = mean.map((v) => round(v, 1));
    const stdR = std.map((v) => round(v, 1));
    for (const w of workers) w.send({ type: 'normalise', mean: meanR, std: stdR });
    const trainKinds: Record<string, number> = {};
    for (const s of shards)
      for (const [k, n] of Object.entries(s.kinds)) trainKinds[k] = (trainKinds[k] ?? 0) + n;
    log(
      `generated ${settings.count} training crops in ${((generated - started) / 1000).toFixed(1)} s; mean ${meanR.join('/')}, std ${stdR.join('/')}`,
    );

    const rng = new Rng(settings.seed ^ 0x5eed);
    const net = createTinyCnn(
      { inputChannels: 3, inputSize: settings.size, convs: settings.convs, classes: CARGO_LABELS.length },
      () => rng.gaussian(),
    );
    const params = parameters(net);
    const adam = new Adam(params, { weightDecay: settings.weightDecay });
    const stepsPerEpoch = Math.ceil(settings.count / settings.batch);
    const totalSteps = stepsPerEpoch * settings.epochs;
    const epochs: TrainingReport['epochs'] = [];
    let step = 0;
    for (let epoch = 1; epoch <= settings.epochs; epoch++) {
      const order = Array.from({ length: settings.count }, (_, i) => i);
      for (let i = order.length - 1; i > 0; i--) {
        const j = rng.int(0, i);
        [order[i], order[j]] = [order[j] as number, order[i] as number];
      }
      let loss = 0;
      let correct = 0;
      for (let b = 0; b < order.length; b += settings.batch) {
        const batch = order.slice(b, b + settings.batch);
        const items = workers.map(() => [] as { local: number; flip: boolean }[]);
        for (const index of batch) {
          items[index % settings.workers]?.push({
            local: Math.floor(index / settings.workers),
            flip: rng.chance(0.5),
          });
        }
        const results = await Promise.all(
          workers.map((w, k) => w.ask<StepResult>({ type: 'step', net, items: items[k] ?? [] })),
        );
        const grads = params.map((p) => new Float32Array(p.length));
        for (const r of results) {
          for (const [k, g] of r.grads.entries()) {
            const sum = grads[k] as Float32Array;
            for (let i = 0; i < g.length; i++) sum[i] = (sum[i] as number) + (g[i] as number) / batch.length;
          }
          loss += r.loss;
          correct += r.correct;
        }
        adam.update(grads, learningRate(settings, step, totalSteps));
        step += 1;
      }
      epochs.push({
        epoch,
        loss: round(loss / settings.count, 4),
        accuracy: round(correct / settings.count, 4),
      });
      log(
        `epoch ${epoch}/${settings.epochs}: loss ${(loss / settings.count).toFixed(4)}, running accuracy ${(correct / settings.count).toFixed(4)} (${((performance.now() - generated) / 1000).toFixed(1)} s)`,
      );
    }
    const trained = performance.now();
    const evaluations = await Promise.all(
      workers.map((w) => w.ask<EvaluateResult>({ type: 'evaluate', net })),
    );
    const trainAccuracy =
      evaluations.reduce((n, e) => n + e.correct, 0) / evaluations.reduce((n, e) => n + e.count, 0);
    const heldOutParts = await Promise.all(
      workers.map((w) =>
        w.ask<GenerateResult>({ type: 'generate', seed: settings.heldOutSeed, count: settings.heldOutCount }),
      ),
    );
    const heldOut = heldOutParts.flatMap((p) => p.samples).sort((a, b) => a.index - b.index);
    const onnxBytes = tinyCnnToOnnx(net, { inputName: 'input', outputName: 'probabilities', docString: '' });
    const evaluation = await evaluateOnnx(onnxBytes, heldOut, settings.size, meanR, stdR);
    let parityMaxAbsDiff = 0;
    for (const [k, sample] of heldOut.slice(0, 64).entries()) {
      const ts = softmax(forward(net, toTensor(sample.data, settings.size, meanR, stdR)).logits);
      for (const [c, p] of ts.entries())
        parityMaxAbsDiff = Math.max(
          parityMaxAbsDiff,
          Math.abs(p - (evaluation.probabilities[k]?.[c] ?? Number.NaN)),
        );
    }
    const report: TrainingReport = {
      settings,
      mean: meanR,
      std: stdR,
      trainKinds,
      epochs,
      trainAccuracy: round(trainAccuracy, 4),
      heldOut: { ...evaluation.summary, count: heldOut.length },
      parityMaxAbsDiff,
      parameters: params.reduce((n, p) => n + p.length, 0),
      seconds: {
        generate: round((generated - started) / 1000, 1),
        train: round((trained - generated) / 1000, 1),
        total: round((performance.now() - started) / 1000, 1),
      },
    };
    return { net, report };
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

async function evaluateOnnx(
  onnxBytes: Uint8Array,
  samples: GenerateResult['samples'],
  size: number,
  mean: number[],
  std: number[],
) {
  const session = await ort.InferenceSession.create(onnxBytes, { logSeverityLevel: 3 });
  const probabilities: number[][] = [];
  const per = 3 * size * size;
  try {
    for (let b = 0; b < samples.length; b += 100) {
      const chunk = samples.slice(b, b + 100);
      const input = new Float32Array(per * chunk.length);
      for (const [k, s] of chunk.entries()) input.set(toTensor(s.data, size, mean, std), k * per);
      const out = await session.run({
        input: new ort.Tensor('float32', input, [chunk.length, 3, size, size]),
      });
      const data = (out.probabilities as ort.Tensor).data as Float32Array;
      for (let k = 0; k < chunk.length; k++)
        probabilities.push(Array.from(data.subarray(k * CARGO_LABELS.length, (k + 1) * CARGO_LABELS.length)));
    }
  } finally {
    await session.release();
  }
  const byKind: Record<string, { count: number; accuracy: number }> = {};
  const confusion: Record<string, Record<string, number>> = {};
  let correct = 0;
  for (const [k, s] of samples.entries()) {
    const p = probabilities[k] as number[];
    const predicted = CARGO_LABELS[(p[1] as number) > (p[0] as number) ? 1 : 0] as string;
    const ok = predicted === s.label;
    if (ok) correct += 1;
    const kind = byKind[s.kind] ?? { count: 0, accuracy: 0 };
    kind.count += 1;
    kind.accuracy += ok ? 1 : 0;
    byKind[s.kind] = kind;
    const row = confusion[s.label] ?? {};
    row[predicted] = (row[predicted] ?? 0) + 1;
    confusion[s.label] = row;
  }
  for (const kind of Object.values(byKind)) kind.accuracy = round(kind.accuracy / kind.count, 4);
  return { probabilities, summary: { accuracy: round(correct / samples.length, 4), byKind, confusion } };
}
