import { describe, expect, it } from 'vitest';
import { ctcGreedyDecode } from '../../edge/plates/ctc-decode.ts';
import { plateColor } from '../../edge/plates/plate-color.ts';
import { joinLineBoxes, textBoxesFromMap } from '../../edge/plates/text-boxes.ts';

describe('CTC greedy decoding', () => {
  const alphabet = ['', 'A', 'B', '1'];
  const steps = (...best: number[]) => {
    const probs = new Float32Array(best.length * alphabet.length).fill(0.05);
    best.forEach((c, t) => {
      probs[t * alphabet.length + c] = 0.85;
    });
    return probs;
  };

  it('collapses repeats, drops blanks, and keeps a repeat split by a blank', () => {
    const read = ctcGreedyDecode(steps(1, 1, 0, 2, 0, 3, 3, 0, 3), 9, 4, alphabet);
    expect(read.text).toBe('AB11');
    expect(read.confidence).toBeCloseTo(0.85, 5);
  });

  it('reads nothing from blanks alone', () => {
    expect(ctcGreedyDecode(steps(0, 0, 0), 3, 4, alphabet)).toEqual({
      text: '',
      confidence: 0,
      minCharScore: 0,
    });
  });
});

describe('text boxes from a probability map', () => {
  const map = (width: number, height: number, rects: [number, number, number, number][]) => {
    const m = new Float32Array(width * height).fill(0.02);
    for (const [x1, y1, x2, y2] of rects)
      for (let y = y1; y < y2; y++) for (let x = x1; x < x2; x++) m[y * width + x] = 0.9;
    return m;
  };
  const options = { pixelThreshold: 0.3, boxThreshold: 0.5, unclip: 1.5, minPixels: 4 };

  it('finds each region, grown by the unclip distance, and drops specks', () => {
    const boxes = textBoxesFromMap(
      map(60, 30, [
        [10, 10, 30, 16],
        [50, 2, 51, 3],
      ]),
      60,
      30,
      options,
    );
    expect(boxes).toHaveLength(1);
    const d = (20 * 6 * 1.5) / (2 * 26);
    expect(boxes[0]?.box.map((v) => Number(v.toFixed(3)))).toEqual(
      [10 - d, 10 - d, 30 + d, 16 + d].map((v) => Number(v.toFixed(3))),
    );
    expect(boxes[0]?.score).toBeCloseTo(0.9, 5);
  });

  it('joins a plate’s province part and serial split at the separator, not lines above each other', () => {
    const joined = joinLineBoxes([
      { box: [40, 10, 90, 20], score: 0.9 },
      { box: [10, 10, 32, 20], score: 0.8 },
      { box: [10, 40, 90, 50], score: 0.9 },
    ]);
    expect(joined.map((b) => b.box)).toEqual([
      [10, 10, 90, 20],
      [10, 40, 90, 50],
    ]);
  });
});

describe('plate colour', () => {
  const image = (rgb: [number, number, number]) => {
    const data = new Uint8Array(20 * 10 * 3);
    for (let i = 0; i < data.length; i += 3) data.set(rgb, i);
    return { data, width: 20, height: 10 };
  };
  it('tells blue, yellow and green backgrounds, and nothing on grey', () => {
    expect(plateColor(image([27, 79, 196]), [0, 0, 20, 10])).toBe('blue');
    expect(plateColor(image([242, 194, 0]), [0, 0, 20, 10])).toBe('yellow');
    expect(plateColor(image([54, 194, 90]), [0, 0, 20, 10])).toBe('green');
    expect(plateColor(image([128, 128, 130]), [0, 0, 20, 10])).toBeUndefined();
  });
});
