import { mix32 } from '../../../foundation/util/seeded-rng.ts';

/** Value noise on an integer lattice, smoothly interpolated, in [-1, 1]; seeded, no tables. */
export function valueNoise(seed: number, x: number, y: number): number {
  const xi = Math.floor(x);
  const yi = Math.floor(y);
  const fx = x - xi;
  const fy = y - yi;
  const sx = fx * fx * (3 - 2 * fx);
  const sy = fy * fy * (3 - 2 * fy);
  const a = lattice(seed, xi, yi);
  const b = lattice(seed, xi + 1, yi);
  const c = lattice(seed, xi, yi + 1);
  const d = lattice(seed, xi + 1, yi + 1);
  return a + (b - a) * sx + (c - a) * sy + (a - b - c + d) * sx * sy;
}

function lattice(seed: number, x: number, y: number): number {
  return (mix32(seed ^ mix32(Math.imul(x, 0x27d4eb2d) ^ Math.imul(y, 0x165667b1))) / 4294967296) * 2 - 1;
}

/** Fractal sum of value noise: `octaves` layers, each twice the frequency and `gain` times the amplitude. */
export function fbm(seed: number, x: number, y: number, octaves: number, gain = 0.5): number {
  let sum = 0;
  let amplitude = 1;
  let norm = 0;
  let f = 1;
  for (let o = 0; o < octaves; o++) {
    sum += amplitude * valueNoise(seed + o * 1013, x * f, y * f);
    norm += amplitude;
    amplitude *= gain;
    f *= 2;
  }
  return sum / norm;
}

/** Nearest and second-nearest feature points of a jittered grid (Worley / cellular noise). */
export interface Cell {
  /** distance to the nearest feature point, in cells */
  f1: number;
  /** distance to the second nearest */
  f2: number;
  /** a hash of the nearest cell, to give each cell its own colour or facet */
  id: number;
  /** offset of the pixel from the nearest feature point, in cells */
  dx: number;
  dy: number;
}

export function cellular(seed: number, x: number, y: number, jitter = 0.9): Cell {
  const xi = Math.floor(x);
  const yi = Math.floor(y);
  let f1 = 9;
  let f2 = 9;
  let id = 0;
  let dx = 0;
  let dy = 0;
  for (let j = -1; j <= 1; j++) {
    for (let i = -1; i <= 1; i++) {
      const h = mix32(seed ^ mix32(Math.imul(xi + i, 0x27d4eb2d) ^ Math.imul(yi + j, 0x165667b1)));
      const px = xi + i + 0.5 + jitter * ((h & 0xffff) / 65536 - 0.5);
      const py = yi + j + 0.5 + jitter * ((h >>> 16) / 65536 - 0.5);
      const ox = x - px;
      const oy = y - py;
      const d = Math.sqrt(ox * ox + oy * oy);
      if (d < f1) {
        f2 = f1;
        f1 = d;
        id = h;
        dx = ox;
        dy = oy;
      } else if (d < f2) {
        f2 = d;
      }
    }
  }
  return { f1, f2, id, dx, dy };
}

/** A hash of a cell id to [0, 1), decorrelated by `salt`. */
export function cellRandom(id: number, salt: number): number {
  return mix32(id ^ Math.imul(salt + 1, 0x9e3779b9)) / 4294967296;
}

/**
 * `fbm` sampled over a width x height grid, at (x * fx, y * fy), for fields that vary slowly
 * (tints, relief, masks): evaluated every `step` pixels and interpolated bilinearly in between.
 */
export function fbmField(
  seed: number,
  width: number,
  height: number,
  fx: number,
  fy: number,
  octaves: number,
  step = 4,
): Float32Array {
  const gw = Math.ceil((width - 1) / step) + 1;
  const gh = Math.ceil((height - 1) / step) + 1;
  const grid = new Float32Array(gw * gh);
  for (let j = 0; j < gh; j++)
    for (let i = 0; i < gw; i++) grid[j * gw + i] = fbm(seed, i * step * fx, j * step * fy, octaves);
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const gy = y / step;
    const j = Math.min(gh - 2, Math.floor(gy));
    const ty = gh === 1 ? 0 : gy - j;
    for (let x = 0; x < width; x++) {
      const gx = x / step;
      const i = Math.min(gw - 2, Math.floor(gx));
      const tx = gw === 1 ? 0 : gx - i;
      const a = grid[j * gw + i] ?? 0;
      const b = grid[j * gw + i + 1] ?? a;
      const c = grid[(j + 1) * gw + i] ?? a;
      const d = grid[(j + 1) * gw + i + 1] ?? c;
      out[y * width + x] = (a * (1 - tx) + b * tx) * (1 - ty) + (c * (1 - tx) + d * tx) * ty;
    }
  }
  return out;
}
