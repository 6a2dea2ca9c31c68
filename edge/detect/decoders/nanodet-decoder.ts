import type { NanoDetDecoderConfig } from '../../../foundation/models/manifest-schema.ts';
import type { Candidate, Decoder, ModelOutputs, OutputTensor } from '../types.ts';
import { clipped } from './candidate-box.ts';

interface Level {
  stride: number;
  scoresName: string;
  boxesName: string;
}

export function createNanoDetDecoder(config: NanoDetDecoderConfig): Decoder {
  const { strides, regMax, scoresAreProbabilities } = config;
  const binToDistance = config.boxDecoding === 'argmax' ? argmaxBin : expectedBin;
  const levels = strides.map((stride, i): Level => {
    const scoresName = config.scores[i];
    const boxesName = config.boxes[i];
    if (scoresName === undefined || boxesName === undefined) {
      throw new Error('nanodet decoder: scores and boxes need one output name per stride');
    }
    return { stride, scoresName, boxesName };
  });
  const bins = regMax + 1;

  return {
    type: 'nanodet',
    outputNames: [...config.scores, ...config.boxes],
    decode(outputs, { inputWidth, inputHeight, scoreThreshold }) {
      const candidates: Candidate[] = [];
      for (const { stride, scoresName, boxesName } of levels) {
        const cols = Math.ceil(inputWidth / stride);
        const rows = Math.ceil(inputHeight / stride);
        const cells = rows * cols;
        const scores = getOutput(outputs, scoresName);
        const boxes = getOutput(outputs, boxesName);
        const numClasses = scores.dims[2] ?? 0;
        checkDims(scoresName, scores, [1, cells, numClasses], `[1, ${cells}, C]`, numClasses > 0);
        checkDims(boxesName, boxes, [1, cells, 4 * bins], `[1, ${cells}, ${4 * bins}]`, true);
        const scoreData = scores.data;
        const boxData = boxes.data;

        for (let cell = 0; cell < cells; cell++) {
          const scoreBase = cell * numClasses;
          let classId = 0;
          let best = scoreData[scoreBase] as number;
          for (let c = 1; c < numClasses; c++) {
            const v = scoreData[scoreBase + c] as number;
            if (v > best) {
              best = v;
              classId = c;
            }
          }
          const score = scoresAreProbabilities ? best : 1 / (1 + Math.exp(-best));
          if (!(score >= scoreThreshold)) continue;

          const row = Math.floor(cell / cols);
          const col = cell - row * cols;
          const cx = (col + 0.5) * stride;
          const cy = (row + 0.5) * stride;
          const boxBase = cell * 4 * bins;
          const left = binToDistance(boxData, boxBase, bins) * stride;
          const top = binToDistance(boxData, boxBase + bins, bins) * stride;
          const right = binToDistance(boxData, boxBase + 2 * bins, bins) * stride;
          const bottom = binToDistance(boxData, boxBase + 3 * bins, bins) * stride;
          const box = { classId, score, x1: cx - left, y1: cy - top, x2: cx + right, y2: cy + bottom };
          candidates.push(clipped(box, inputWidth, inputHeight));
        }
      }
      return candidates;
    },
  };
}

/** The mean bin index under softmax(data[offset .. offset + bins)). */
function expectedBin(data: Float32Array, offset: number, bins: number): number {
  let max = Number.NEGATIVE_INFINITY;
  for (let k = 0; k < bins; k++) {
    const v = data[offset + k] as number;
    if (v > max) max = v;
  }
  let sum = 0;
  let weighted = 0;
  for (let k = 0; k < bins; k++) {
    const e = Math.exp((data[offset + k] as number) - max);
    sum += e;
    weighted += e * k;
  }
  return weighted / sum;
}

/** The most likely bin index: what some NanoDet ports do, kept to measure what it costs. */
function argmaxBin(data: Float32Array, offset: number, bins: number): number {
  let best = 0;
  for (let k = 1; k < bins; k++) {
    if ((data[offset + k] as number) > (data[offset + best] as number)) best = k;
  }
  return best;
}

function getOutput(outputs: ModelOutputs, name: string): OutputTensor {
  const tensor = outputs[name];
  if (!tensor) throw new Error(`nanodet decoder: output "${name}" is missing`);
  return tensor;
}

function checkDims(
  name: string,
  tensor: OutputTensor,
  expected: readonly number[],
  expectedText: string,
  valid: boolean,
): void {
  const { dims, data } = tensor;
  const matches = valid && dims.length === expected.length && dims.every((d, i) => d === expected[i]);
  if (!matches) {
    throw new Error(
      `nanodet decoder: output "${name}" has dims [${dims.join(', ')}], expected ${expectedText}`,
    );
  }
  const size = expected.reduce((a, b) => a * b, 1);
  if (data.length < size) {
    throw new Error(`nanodet decoder: output "${name}" holds ${data.length} values, expected ${size}`);
  }
}
