import type { Candidate, DecodeOptions, Decoder } from '../types.ts';

function clamp(v: number, max: number): number {
  return Math.min(Math.max(v, 0), max);
}

/** The candidate with its corners clipped to the model input. */
export function clipped(candidate: Candidate, inputWidth: number, inputHeight: number): Candidate {
  const { x1, y1, x2, y2 } = candidate;
  return {
    ...candidate,
    x1: clamp(x1, inputWidth),
    y1: clamp(y1, inputHeight),
    x2: clamp(x2, inputWidth),
    y2: clamp(y2, inputHeight),
  };
}

/**
 * A candidate from a centre-size box (YOLO heads) whose cx, cy, w, h lie in `data` at `offset`,
 * `offset + step`, `offset + 2 * step` and `offset + 3 * step`, clipped to the model input.
 */
export function candidateFromCentre(
  classId: number,
  score: number,
  data: Float32Array,
  offset: number,
  step: number,
  inputWidth: number,
  inputHeight: number,
): Candidate {
  const cx = data[offset] as number;
  const cy = data[offset + step] as number;
  const halfW = (data[offset + 2 * step] as number) / 2;
  const halfH = (data[offset + 3 * step] as number) / 2;
  const box = { classId, score, x1: cx - halfW, y1: cy - halfH, x2: cx + halfW, y2: cy + halfH };
  return clipped(box, inputWidth, inputHeight);
}

/** The one `[1, rows, columns]` output of a YOLO head. */
export interface HeadOutput {
  data: Float32Array;
  rows: number;
  columns: number;
}

/**
 * A decoder of a YOLO head's one `[1, rows, columns]` output: checks it is present, of that rank,
 * with inner dims that `fits` accepts (`expected` describes them) and holding every value, then
 * lets `scan` read the candidates.
 */
export function headDecoder(
  type: string,
  name: string,
  expected: string,
  fits: (rows: number, columns: number) => boolean,
  scan: (head: HeadOutput, options: DecodeOptions) => Candidate[],
): Decoder {
  return {
    type,
    outputNames: [name],
    decode(outputs, options) {
      const tensor = outputs[name];
      if (!tensor) throw new Error(`${type} decoder: output "${name}" is missing`);
      const { dims, data } = tensor;
      const [batch, rows = 0, columns = 0] = dims;
      if (dims.length !== 3 || batch !== 1 || !fits(rows, columns)) {
        throw new Error(
          `${type} decoder: output "${name}" has dims [${dims.join(', ')}], expected ${expected}`,
        );
      }
      if (data.length < rows * columns) {
        throw new Error(
          `${type} decoder: output "${name}" holds ${data.length} values, expected ${rows * columns}`,
        );
      }
      return scan({ data, rows, columns }, options);
    },
  };
}

/** The index of the largest of `count` values at `first`, `first + step`, …; the first on a tie. */
export function bestIndex(data: Float32Array, first: number, count: number, step: number): number {
  let best = 0;
  let bestValue = data[first] as number;
  for (let c = 1; c < count; c++) {
    const v = data[first + c * step] as number;
    if (v > bestValue) {
      bestValue = v;
      best = c;
    }
  }
  return best;
}
