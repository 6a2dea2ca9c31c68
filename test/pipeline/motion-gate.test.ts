import { describe, expect, it } from 'vitest';
import { DEFAULT_MOTION_GATE, MotionGate } from '../../edge/pipeline/motion-gate.ts';
import type { RawImage } from '../../foundation/media/frame.ts';

function frame(width: number, height: number, paint?: (x: number, y: number) => number): RawImage {
  const data = new Uint8Array(width * height * 3).fill(100);
  if (paint) {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) data.fill(paint(x, y), (y * width + x) * 3, (y * width + x) * 3 + 3);
    }
  }
  return { data, width, height };
}

describe('motion gate', () => {
  const still = frame(160, 120);
  const square = (x0: number) =>
    frame(160, 120, (x, y) => (x >= x0 && x < x0 + 20 && y >= 40 && y < 60 ? 230 : 100));

  it('sees no motion in a still scene and motion where an object moves', () => {
    const gate = new MotionGate();
    gate.measure(still);
    expect(gate.hasMotion(still)).toBe(false);
    expect(gate.hasMotion(square(30))).toBe(true);
  });

  it('ignores motion inside a mask', () => {
    const gate = new MotionGate({ ...DEFAULT_MOTION_GATE, masked: (x) => x < 80 });
    gate.measure(still);
    expect(gate.hasMotion(square(30))).toBe(false);
    expect(gate.hasMotion(square(100))).toBe(true);
  });

  it('lets an object that stopped fade into the background', () => {
    const gate = new MotionGate();
    gate.measure(still);
    const parked = square(30);
    let moving = 0;
    for (let k = 0; k < 40; k++) if (gate.hasMotion(parked)) moving++;
    expect(moving).toBeGreaterThan(3);
    expect(gate.hasMotion(parked)).toBe(false);
  });
});
