import type { RawImage } from '../../foundation/media/frame.ts';
import { Rng } from '../../foundation/util/seeded-rng.ts';

/**
 * A synthetic street for the health diagnosis' unit tests: a fixed world (a sky-like gradient,
 * buildings as rectangles with edges, fine ground texture) twice the frame's size, a camera viewing
 * part of it, walkers moving across, and a little sensor noise that changes every frame. Faults are
 * made from it the way a camera shows them. Deterministic (seeded).
 */
export const WIDTH = 320;
export const HEIGHT = 240;
const WORLD_W = WIDTH * 2;
const WORLD_H = HEIGHT * 2;

function buildWorld(): Float32Array {
  const rng = new Rng(7);
  const world = new Float32Array(WORLD_W * WORLD_H);
  for (let y = 0; y < WORLD_H; y++)
    for (let x = 0; x < WORLD_W; x++) world[y * WORLD_W + x] = 90 + (60 * y) / WORLD_H + rng.range(-6, 6);
  for (let i = 0; i < 70; i++) {
    const w = Math.floor(rng.range(20, 90));
    const h = Math.floor(rng.range(20, 120));
    const x0 = Math.floor(rng.range(0, WORLD_W - w));
    const y0 = Math.floor(rng.range(0, WORLD_H - h));
    const level = rng.range(40, 220);
    for (let y = y0; y < y0 + h; y++)
      for (let x = x0; x < x0 + w; x++) world[y * WORLD_W + x] = level + ((x + y) % 9 === 0 ? 25 : 0);
  }
  return world;
}

const WORLD = buildWorld();

export interface View {
  /** Where the camera looks in the world (pixels): a turned camera looks elsewhere. */
  offsetX: number;
  offsetY: number;
  /** Light: the scene's brightness multiplied (a cloud, dusk). */
  gain: number;
}

export const NORMAL_VIEW: View = { offsetX: 100, offsetY: 80, gain: 1 };

const clamp = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : Math.round(v));

/** Frame `index` of the camera at `view`: walkers move with the index, sensor noise σ `noise`. */
export function sceneFrame(index: number, view: View = NORMAL_VIEW, noise = 1.5): RawImage {
  const rng = Rng.forSample(11, index);
  const data = new Uint8Array(WIDTH * HEIGHT * 3);
  for (let y = 0; y < HEIGHT; y++) {
    for (let x = 0; x < WIDTH; x++) {
      let v = (WORLD[(y + view.offsetY) * WORLD_W + x + view.offsetX] as number) * view.gain;
      for (let walker = 0; walker < 4; walker++) {
        const wx = (walker * 83 + index * 3) % WIDTH;
        const wy = 60 + walker * 40;
        if (x >= wx && x < wx + 10 && y >= wy && y < wy + 28) v = 30 + walker * 10;
      }
      // Box–Muller would do; a sum of uniforms is close enough to Gaussian here.
      const n = noise === 0 ? 0 : (rng.next() + rng.next() + rng.next() - 1.5) * 2 * noise;
      const p = (y * WIDTH + x) * 3;
      data[p] = clamp(v + n);
      data[p + 1] = clamp(v + n);
      data[p + 2] = clamp(v + n);
    }
  }
  return { data, width: WIDTH, height: HEIGHT };
}

/** The frame with a uniform colour over all but the bottom `1 - share` of it (a bag over the lens). */
export function covered(frame: RawImage, share = 0.9, level = 70): RawImage {
  const data = frame.data.slice();
  data.fill(level, 0, Math.floor(frame.height * share) * frame.width * 3);
  return { ...frame, data };
}

/** The frame every pixel of which is `level` (black: near 0, overexposed: near 255), plus noise. */
export function flat(index: number, level: number): RawImage {
  const rng = Rng.forSample(13, index);
  const data = new Uint8Array(WIDTH * HEIGHT * 3);
  for (let i = 0; i < data.length; i++) data[i] = clamp(level + rng.range(-3, 3));
  return { data, width: WIDTH, height: HEIGHT };
}

/** A box blur of radius `r`, as a defocused lens gives. */
export function blurred(frame: RawImage, r: number): RawImage {
  const { width, height } = frame;
  const out = new Uint8Array(frame.data.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let sum = 0;
      let n = 0;
      for (let dy = -r; dy <= r; dy++) {
        for (let dx = -r; dx <= r; dx++) {
          const yy = Math.min(height - 1, Math.max(0, y + dy));
          const xx = Math.min(width - 1, Math.max(0, x + dx));
          sum += frame.data[(yy * width + xx) * 3] as number;
          n++;
        }
      }
      const p = (y * width + x) * 3;
      out[p] = out[p + 1] = out[p + 2] = Math.round(sum / n);
    }
  }
  return { data: out, width, height };
}
