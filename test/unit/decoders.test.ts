import { describe, expect, it } from 'vitest';
import { createDecoder } from '../../edge/detect/decoders/index.ts';
import { createNanoDetDecoder } from '../../edge/detect/decoders/nanodet-decoder.ts';
import { createYoloV5Decoder } from '../../edge/detect/decoders/yolov5-decoder.ts';
import { createYoloV8Decoder } from '../../edge/detect/decoders/yolov8-decoder.ts';
import type { Candidate, Decoder, OutputTensor } from '../../edge/detect/types.ts';
import type { NanoDetDecoderConfig } from '../../foundation/models/manifest-schema.ts';

function expectBox(c: Candidate | undefined, classId: number, box: [number, number, number, number]): void {
  expect(c).toBeDefined();
  expect(c?.classId).toBe(classId);
  const [x1, y1, x2, y2] = box;
  expect(c?.x1).toBeCloseTo(x1, 3);
  expect(c?.y1).toBeCloseTo(y1, 3);
  expect(c?.x2).toBeCloseTo(x2, 3);
  expect(c?.y2).toBeCloseTo(y2, 3);
}

/** The decoder refuses each of `wrongDims` naming the output and the dims, and a missing output. */
function expectDimsRefused(decoder: Decoder, output: string, wrongDims: number[][]): void {
  const options = { inputWidth: 32, inputHeight: 32, scoreThreshold: 0.5 };
  for (const dims of wrongDims) {
    const decode = () => decoder.decode({ [output]: { data: new Float32Array(64), dims } }, options);
    expect(decode).toThrow(`output "${output}" has dims [${dims.join(', ')}]`);
  }
  expect(() => decoder.decode({}, options)).toThrow(`output "${output}" is missing`);
}

/** The candidates, in order: each one's class, box (to 3 decimals) and score (to 6). */
function expectCandidates(
  candidates: Candidate[],
  expected: [number, [number, number, number, number], number][],
) {
  expect(candidates).toHaveLength(expected.length);
  expected.forEach(([classId, box, score], i) => {
    expectBox(candidates[i], classId, box);
    expect(candidates[i]?.score).toBeCloseTo(score, 6);
  });
}

describe('nanodet decoder', () => {
  const regMax = 3;
  const bins = regMax + 1;
  const numClasses = 3;

  const config: NanoDetDecoderConfig = {
    type: 'nanodet',
    strides: [8, 16],
    regMax,
    scores: ['cls8', 'cls16'],
    boxes: ['reg8', 'reg16'],
    scoresAreProbabilities: true,
    boxDecoding: 'expectation',
  };

  interface CellSpec {
    cell: number;
    scores: number[];
    /** Per side (left, top, right, bottom): a bin index for a one-hot logit, or the full logits. */
    sides: (number | number[])[];
  }

  function level(cells: number, specs: CellSpec[]): { scores: OutputTensor; boxes: OutputTensor } {
    const scores = new Float32Array(cells * numClasses);
    const boxes = new Float32Array(cells * 4 * bins);
    for (const { cell, scores: s, sides } of specs) {
      scores.set(s, cell * numClasses);
      sides.forEach((side, i) => {
        const logits =
          typeof side === 'number' ? Array.from({ length: bins }, (_, k) => (k === side ? 20 : 0)) : side;
        boxes.set(logits, cell * 4 * bins + i * bins);
      });
    }
    return {
      scores: { data: scores, dims: [1, cells, numClasses] },
      boxes: { data: boxes, dims: [1, cells, 4 * bins] },
    };
  }

  function outputs32(level8: CellSpec[], level16: CellSpec[]) {
    const a = level(16, level8);
    const b = level(4, level16);
    return { cls8: a.scores, reg8: a.boxes, cls16: b.scores, reg16: b.boxes };
  }

  const options = { inputWidth: 32, inputHeight: 32, scoreThreshold: 0.5 };

  it('decodes confident cells on each level into clipped boxes with the best class', () => {
    const outputs = outputs32(
      [
        // row 1, col 2: centre (20, 12); left 1, top 2, right 1, bottom 0 bins of 8 px
        { cell: 6, scores: [0.1, 0.2, 0.9], sides: [1, 2, 1, 0] },
        { cell: 9, scores: [0.3, 0.1, 0.2], sides: [3, 3, 3, 3] },
      ],
      // row 1, col 1: centre (24, 24); left 1, top 1, right 0, bottom 0 bins of 16 px
      [{ cell: 3, scores: [0.8, 0.05, 0.1], sides: [1, 1, 0, 0] }],
    );
    const candidates = createNanoDetDecoder(config).decode(outputs, options);
    expectCandidates(candidates, [
      [2, [12, 0, 28, 12], 0.9],
      [0, [8, 8, 24, 24], 0.8],
    ]);
  });

  it('takes the softmax expectation over the bins, not the arg-max', () => {
    const outputs = outputs32(
      // row 2, col 1: centre (12, 20). Equal logits average to 1.5 bins even when huge;
      // weights 3:1 on bins 0 and 1 give 0.25 bins.
      [
        {
          cell: 9,
          scores: [0, 0.7, 0],
          sides: [[1000, 1000, 1000, 1000], [Math.log(3), 0, -100, -100], 2, 0],
        },
      ],
      [],
    );
    const [c] = createNanoDetDecoder(config).decode(outputs, options);
    expectBox(c, 1, [12 - 1.5 * 8, 20 - 0.25 * 8, 12 + 2 * 8, 20]);
  });

  it('takes the likeliest bin when configured for arg-max decoding', () => {
    const outputs = outputs32(
      [{ cell: 9, scores: [0, 0.7, 0], sides: [[0, 5, 4.9, 0], [Math.log(3), 0, -100, -100], 2, 0] }],
      [],
    );
    const [c] = createNanoDetDecoder({ ...config, boxDecoding: 'argmax' }).decode(outputs, options);
    expectBox(c, 1, [12 - 1 * 8, 20, 12 + 2 * 8, 20]);
  });

  it('produces nothing for cells below the threshold', () => {
    const outputs = outputs32([{ cell: 0, scores: [0.49, 0.3, 0.2], sides: [1, 1, 1, 1] }], []);
    expect(createNanoDetDecoder(config).decode(outputs, options)).toEqual([]);
  });

  it('applies a sigmoid when the scores are logits', () => {
    const outputs = outputs32([{ cell: 5, scores: [-3, 2, -1], sides: [0, 0, 1, 1] }], []);
    const decoder = createNanoDetDecoder({ ...config, scoresAreProbabilities: false });
    // every other cell holds logit 0, i.e. probability 0.5
    const candidates = decoder.decode(outputs, { ...options, scoreThreshold: 0.6 });
    expect(candidates).toHaveLength(1);
    const [c] = candidates;
    expectBox(c, 1, [12, 12, 20, 20]);
    expect(c?.score).toBeCloseTo(1 / (1 + Math.exp(-2)), 6);
    expect(decoder.decode(outputs, { ...options, scoreThreshold: 0.9 })).toEqual([]);
  });

  it('lays out cells row-major over ceil(W / s) columns on a non-square input', () => {
    const single: NanoDetDecoderConfig = { ...config, strides: [16], scores: ['cls16'], boxes: ['reg16'] };
    // 40 x 24 at stride 16: 3 columns, 2 rows; cell 4 is row 1, col 1, centre (24, 24)
    const { scores, boxes } = level(6, [{ cell: 4, scores: [0, 0, 0.6], sides: [1, 1, 0, 1] }]);
    const candidates = createNanoDetDecoder(single).decode(
      { cls16: scores, reg16: boxes },
      { inputWidth: 40, inputHeight: 24, scoreThreshold: 0.5 },
    );
    expect(candidates).toHaveLength(1);
    expectBox(candidates[0], 2, [8, 8, 24, 24]);
  });

  it('reports the output names it reads', () => {
    expect(createNanoDetDecoder(config).outputNames).toEqual(['cls8', 'cls16', 'reg8', 'reg16']);
  });

  it('throws naming the output when its dims are wrong', () => {
    const outputs = outputs32([], []);
    const bad = { ...outputs, reg16: { data: new Float32Array(4 * 12), dims: [1, 4, 12] } };
    expect(() => createNanoDetDecoder(config).decode(bad, options)).toThrow(
      /reg16.*\[1, 4, 12\].*\[1, 4, 16\]/,
    );
    const badScores = { ...outputs, cls8: { data: new Float32Array(12 * 3), dims: [1, 12, 3] } };
    expect(() => createNanoDetDecoder(config).decode(badScores, options)).toThrow(/cls8.*\[1, 16, C\]/);
  });

  it('throws naming a missing output', () => {
    const { cls8, reg8, cls16 } = outputs32([], []);
    expect(() => createNanoDetDecoder(config).decode({ cls8, reg8, cls16 }, options)).toThrow(/reg16/);
  });
});

describe('yolov8 decoder', () => {
  const options = { inputWidth: 32, inputHeight: 32, scoreThreshold: 0.5 };

  // [1, 4 + 2, 3], channel-major: one row per channel, one column per anchor
  const rows = [
    [10, 2, 30], // cx
    [20, 3, 5], // cy
    [4, 5, 10], // w
    [6, 7, 20], // h
    [0.1, 0.2, 0.7], // class 0
    [0.9, 0.3, 0.1], // class 1
  ];
  const output: OutputTensor = { data: Float32Array.from(rows.flat()), dims: [1, 6, 3] };

  it('reads channel-major data: anchor n lives in column n of every row', () => {
    const candidates = createYoloV8Decoder({ type: 'yolov8', output: 'output0' }).decode(
      { output0: output },
      options,
    );
    expectCandidates(candidates, [
      [1, [8, 17, 12, 23], 0.9],
      [0, [25, 0, 32, 15], 0.7],
    ]);
  });

  it('finds a lone anchor that an anchor-major reading would miss', () => {
    // 2 classes, 4 anchors; only anchor 3 scores, on class 1
    const n = 4;
    const data = new Float32Array(6 * n);
    data.set([0, 0, 0, 16], 0);
    data.set([0, 0, 0, 16], n);
    data.set([0, 0, 0, 8], 2 * n);
    data.set([0, 0, 0, 4], 3 * n);
    data.set([0, 0, 0, 0.95], 5 * n);
    const candidates = createYoloV8Decoder({ type: 'yolov8', output: 'out' }).decode(
      { out: { data, dims: [1, 6, n] } },
      options,
    );
    expect(candidates).toHaveLength(1);
    expectBox(candidates[0], 1, [12, 14, 20, 18]);
  });

  it('throws naming the output when its dims are wrong', () => {
    const decoder = createYoloV8Decoder({ type: 'yolov8', output: 'output0' });
    expectDimsRefused(decoder, 'output0', [
      [6, 3],
      [2, 6, 3],
      [1, 4, 3],
    ]);
  });
});

describe('yolov5 decoder', () => {
  const options = { inputWidth: 32, inputHeight: 32, scoreThreshold: 0.5 };

  it('scores each anchor as objectness times its best class probability', () => {
    // [1, 3, 5 + 2], anchor-major
    const anchors = [
      [10, 20, 4, 6, 0.8, 0.5, 0.9],
      [16, 16, 8, 8, 0.6, 0.5, 0.4],
      [16, 16, 8, 8, 0.3, 1, 0],
    ];
    const candidates = createYoloV5Decoder({ type: 'yolov5', output: 'output' }).decode(
      { output: { data: Float32Array.from(anchors.flat()), dims: [1, 3, 7] } },
      options,
    );
    expect(candidates).toHaveLength(1);
    expectBox(candidates[0], 1, [8, 17, 12, 23]);
    expect(candidates[0]?.score).toBeCloseTo(0.72, 6);
  });

  it('clips boxes to the input', () => {
    const data = Float32Array.from([2, 30, 10, 8, 1, 0, 0.9]);
    const [c] = createYoloV5Decoder({ type: 'yolov5', output: 'output' }).decode(
      { output: { data, dims: [1, 1, 7] } },
      options,
    );
    expectBox(c, 1, [0, 26, 7, 32]);
  });

  it('throws naming the output when its dims are wrong', () => {
    const decoder = createYoloV5Decoder({ type: 'yolov5', output: 'output' });
    expectDimsRefused(decoder, 'output', [
      [3, 7],
      [2, 3, 7],
      [1, 3, 5],
    ]);
  });
});

describe('createDecoder', () => {
  it('picks the decoder for the config type', () => {
    expect(createDecoder({ type: 'yolov8', output: 'a' }).type).toBe('yolov8');
    expect(createDecoder({ type: 'yolov5', output: 'a' }).type).toBe('yolov5');
    const nanodet = createDecoder({
      type: 'nanodet',
      strides: [8],
      regMax: 7,
      scores: ['s'],
      boxes: ['b'],
      scoresAreProbabilities: true,
      boxDecoding: 'expectation',
    });
    expect(nanodet.type).toBe('nanodet');
    expect(nanodet.outputNames).toEqual(['s', 'b']);
  });
});
