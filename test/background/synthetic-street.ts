import type { Box, RawImage } from '../../foundation/media/frame.ts';
import { Rng } from '../../foundation/util/seeded-rng.ts';

/**
 * Synthetic frames of a street for the background model's unit tests: a textured pavement with
 * kerb lines (fixed per seed), sensor noise per frame, and on top of it whatever a test puts
 * there: objects (textured blocks), a light gain, a shift of the whole view, a passing shadow.
 */
export const STREET_WIDTH = 320;
export const STREET_HEIGHT = 240;

export interface StreetObject {
  box: Box;
  /** Seed of its own texture. */
  seed: number;
  /** Its mean grey level. */
  grey: number;
}

export interface StreetView {
  objects?: readonly StreetObject[];
  /** Multiplies every pixel (a cloud, dusk, street lights). */
  gain?: number;
  /** The whole view moves by this many pixels (camera shake). */
  shift?: readonly [number, number];
  /** A soft round shadow (centre, radius, how dark: 0.6 = 60 % of the light). */
  shadow?: { x: number; y: number; radius: number; light: number };
}

export class SyntheticStreet {
  private readonly ground: Float32Array;
  private readonly textures = new Map<number, Float32Array>();

  constructor(seed = 7) {
    const rng = new Rng(seed);
    const w = STREET_WIDTH;
    const h = STREET_HEIGHT;
    this.ground = new Float32Array(w * h);
    // Paving: coarse blotches plus fine grain, and two kerb lines.
    const blotches = Array.from({ length: 60 }, () => ({
      x: rng.range(0, w),
      y: rng.range(0, h),
      r: rng.range(6, 30),
      d: rng.range(-18, 18),
    }));
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        let v = 120 + rng.range(-6, 6);
        for (const b of blotches) if ((x - b.x) ** 2 + (y - b.y) ** 2 < b.r * b.r) v += b.d * 0.5;
        if (Math.abs(y - 60) < 2 || Math.abs(y - 190) < 2) v = 200;
        this.ground[y * w + x] = v;
      }
    }
  }

  /** The frame at `noiseSeed` (one per frame: sensor noise differs from frame to frame). */
  frame(view: StreetView, noiseSeed: number): RawImage {
    const w = STREET_WIDTH;
    const h = STREET_HEIGHT;
    const noise = new Rng(noiseSeed);
    const data = new Uint8Array(w * h * 3);
    const [sx, sy] = view.shift ?? [0, 0];
    const gain = view.gain ?? 1;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const wx = Math.min(w - 1, Math.max(0, x - sx));
        const wy = Math.min(h - 1, Math.max(0, y - sy));
        let v = this.sceneAt(wx, wy, view.objects ?? []);
        const s = view.shadow;
        if (s) {
          const d = Math.hypot(wx - s.x, wy - s.y) / s.radius;
          const t = Math.min(1, Math.max(0, (1.3 - d) / 0.6));
          v *= 1 - (1 - s.light) * t;
        }
        v = v * gain + noise.range(-3, 3);
        const c = Math.min(255, Math.max(0, Math.round(v)));
        const p = (y * w + x) * 3;
        data[p] = c;
        data[p + 1] = c;
        data[p + 2] = c;
      }
    }
    return { data, width: w, height: h };
  }

  private sceneAt(x: number, y: number, objects: readonly StreetObject[]): number {
    for (const o of objects) {
      const [x1, y1, x2, y2] = o.box;
      if (x >= x1 && x < x2 && y >= y1 && y < y2) {
        const texture = this.texture(o.seed);
        return o.grey + (texture[(y % 32) * 32 + (x % 32)] as number);
      }
    }
    return this.ground[y * STREET_WIDTH + x] as number;
  }

  private texture(seed: number): Float32Array {
    let t = this.textures.get(seed);
    if (!t) {
      const rng = new Rng(seed);
      // Printed carton: stripes and blocks of print.
      const stripe = Math.floor(rng.range(3, 7));
      t = Float32Array.from({ length: 32 * 32 }, (_, i) => ((i % 32) % (2 * stripe) < stripe ? 25 : -25));
      this.textures.set(seed, t);
    }
    return t;
  }
}

/** The frame times from `from` to `to` seconds at `fps`. */
export function* timeline(from: number, to: number, fps: number): Generator<number> {
  const frames = Math.round((to - from) * fps);
  for (let k = 0; k <= frames; k++) yield from + k / fps;
}
