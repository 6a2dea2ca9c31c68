import type { Rng } from '../../../foundation/util/seeded-rng.ts';
import { type Canvas, clamp01, mixRgb, palette, type Rgb, smoothstep } from './canvas.ts';
import { cellRandom, cellular, fbm, fbmField } from './noise.ts';
import { addMound, createSurface, randomLight, type Surface, shadeSurface } from './surface.ts';

/** What an open load can be made of. */
export const LOOSE_MATERIALS = ['soil', 'sand', 'gravel', 'rubble', 'debris'] as const;
export type LooseMaterial = (typeof LOOSE_MATERIALS)[number];

const SOIL = palette([0x5f4632, 0x785a3c, 0x4b3728, 0x8c6e4b, 0x96583a, 0x3a2f26, 0x6e5f4b]);
const SAND = palette([0xc8af82, 0xb9a073, 0xaa9670, 0xc8a05c, 0xa09687, 0xd7c3a0]);
const STONE = palette([0x8c8c8a, 0x787670, 0xa09b91, 0x696e76, 0x968773, 0x5f5c58, 0xafaaa0]);
const RUBBLE = palette([0xa5a29b, 0xbebab2, 0x964837, 0x803e30, 0x504e4c, 0x37373a, 0xc8beaa]);
const BITS = palette([0xaf8755, 0xc8aa78, 0x3c6eaa, 0xd2d2cd, 0xbe3c28, 0x282828, 0xe6c83c]);

function jitter(rng: Rng, rgb: Rgb, amount: number): Rgb {
  const k = 1 + rng.range(-amount, amount);
  return [
    rgb[0] * k * rng.range(0.94, 1.06),
    rgb[1] * k * rng.range(0.94, 1.06),
    rgb[2] * k * rng.range(0.94, 1.06),
  ];
}

/** Heaped load: a few broad mounds and low-frequency relief, `scale` pixels per metre or so. */
function heapShape(rng: Rng, s: Surface): void {
  const size = Math.max(s.width, s.height);
  const mounds = rng.int(1, 3);
  for (let k = 0; k < mounds; k++) {
    const sigma = size * rng.range(0.15, 0.5);
    addMound(s, rng.range(0, s.width), rng.range(0, s.height), sigma, sigma * rng.range(0.2, 0.8));
  }
  const freq = rng.range(2, 5) / size;
  const relief = size * rng.range(0.02, 0.08);
  const field = fbmField(rng.seed(), s.width, s.height, freq, freq, 3);
  for (let p = 0; p < field.length; p++)
    s.heightMap[p] = (s.heightMap[p] as number) + relief * (field[p] as number);
}

function setAlbedo(s: Surface, p: number, rgb: Rgb): void {
  s.albedo[p * 3] = rgb[0];
  s.albedo[p * 3 + 1] = rgb[1];
  s.albedo[p * 3 + 2] = rgb[2];
}

/** Loose granular material over the whole surface; `grain` is the typical particle size in pixels. */
function paintMaterial(
  rng: Rng,
  s: Surface,
  material: LooseMaterial,
  grain: number,
  weight?: Float32Array,
): void {
  const seed = rng.seed();
  const tintSeed = rng.seed();
  const palette = { soil: SOIL, sand: SAND, gravel: STONE, rubble: RUBBLE, debris: RUBBLE }[material];
  const base = jitter(rng, rng.pick(palette), 0.15);
  const second = jitter(rng, rng.pick(palette), 0.15);
  const tintFreq = rng.range(1.5, 4) / Math.max(s.width, s.height);
  const tints = fbmField(tintSeed, s.width, s.height, tintFreq, tintFreq, 3);
  const bump = rng.range(0.3, 0.9);
  // rubble: how different the chunks are from each other, the fines between them, dust over all
  const mixAmount = rng.range(0.35, 0.8);
  const fines = jitter(rng, rng.pick(SOIL), 0.2);
  const dust = rng.range(0, 0.35);
  for (let y = 0; y < s.height; y++) {
    for (let x = 0; x < s.width; x++) {
      const p = y * s.width + x;
      const w = weight ? (weight[p] as number) : 1;
      if (w <= 0) continue;
      const tint = clamp01(0.5 + 0.7 * (tints[p] as number));
      let rgb: Rgb = mixRgb(base, second, tint);
      let h = 0;
      let occ = 1;
      if (material === 'soil' || material === 'sand') {
        // clods or grains: fine fractal relief and a per-grain brightness speckle
        const f = 1 / grain;
        h = grain * bump * fbm(seed, x * f, y * f, 3, 0.6);
        const cell = cellular(seed + 7, x * f * 0.7, y * f * 0.7);
        const clod =
          material === 'soil' ? 0.7 + 0.6 * cellRandom(cell.id, 1) : 0.9 + 0.2 * cellRandom(cell.id, 1);
        const speckle = 1 + (material === 'sand' ? 0.08 : 0.15) * fbm(seed + 99, x * 1.3, y * 1.3, 1);
        rgb = [rgb[0] * clod * speckle, rgb[1] * clod * speckle, rgb[2] * clod * speckle];
        occ = 0.75 + 0.25 * smoothstep(0, 0.25, cell.f2 - cell.f1);
      } else {
        // stones or chunks: cellular particles, each its own shade, domed (gravel) or faceted
        // (rubble); irregular outlines from a warped lattice, fines or shadow in the gaps
        const warp = material === 'gravel' ? 0.25 : 0.45;
        const wx = x / grain + warp * fbm(seed + 3, x / grain, y / grain, 2);
        const wy = y / grain + warp * fbm(seed + 5, x / grain, y / grain, 2);
        const cell = cellular(seed, wx, wy);
        const pick = cellRandom(cell.id, 2);
        const stone: Rgb =
          material === 'gravel'
            ? [
                rgb[0] * (0.9 + 0.2 * cellRandom(cell.id, 6)),
                rgb[1] * (0.9 + 0.2 * cellRandom(cell.id, 7)),
                rgb[2] * (0.9 + 0.2 * cellRandom(cell.id, 8)),
              ]
            : (palette[Math.floor(pick * palette.length)] as Rgb);
        const k = 0.7 + 0.6 * cellRandom(cell.id, 3);
        rgb = mixRgb(
          rgb,
          [stone[0] * k, stone[1] * k, stone[2] * k],
          material === 'gravel' ? 0.6 : mixAmount,
        );
        const gap = smoothstep(0, material === 'gravel' ? 0.2 : 0.12, cell.f2 - cell.f1);
        if (material === 'gravel') {
          h = grain * 0.5 * bump * Math.sqrt(Math.max(0, 0.3 - cell.f1 * cell.f1));
        } else {
          const a = cellRandom(cell.id, 4) * 2 - 1;
          const b = cellRandom(cell.id, 5) * 2 - 1;
          h = grain * bump * (a * cell.dx + b * cell.dy + 0.3) * gap;
          rgb = mixRgb(fines, rgb, 0.3 + 0.7 * gap);
          rgb = mixRgb(rgb, fines, dust);
        }
        occ = 0.45 + 0.55 * gap;
      }
      const p3 = p * 3;
      s.albedo[p3] = (s.albedo[p3] as number) * (1 - w) + rgb[0] * w;
      s.albedo[p3 + 1] = (s.albedo[p3 + 1] as number) * (1 - w) + rgb[1] * w;
      s.albedo[p3 + 2] = (s.albedo[p3 + 2] as number) * (1 - w) + rgb[2] * w;
      s.heightMap[p] = (s.heightMap[p] as number) + h * w;
      s.occlusion[p] = (s.occlusion[p] as number) * (1 - w) + occ * w;
    }
  }
}

/** Scattered pieces on a debris load: planks, plastic, rebar, bags. */
function scatterBits(rng: Rng, s: Surface, grain: number): void {
  const count = rng.int(3, 14);
  for (let k = 0; k < count; k++) {
    const rgb = mixRgb(jitter(rng, rng.pick(BITS), 0.2), [120, 115, 105], rng.range(0, 0.5));
    const cx = rng.range(0, s.width);
    const cy = rng.range(0, s.height);
    const angle = rng.range(0, Math.PI);
    const long = grain * rng.range(1, 3.5);
    const thin = grain * rng.range(0.3, 1);
    const ca = Math.cos(angle);
    const sa = Math.sin(angle);
    const r = Math.ceil(long + thin);
    for (let y = Math.max(0, Math.floor(cy - r)); y < Math.min(s.height, cy + r); y++) {
      for (let x = Math.max(0, Math.floor(cx - r)); x < Math.min(s.width, cx + r); x++) {
        const u = (x - cx) * ca + (y - cy) * sa;
        const v = -(x - cx) * sa + (y - cy) * ca;
        if (Math.abs(u) > long || Math.abs(v) > thin) continue;
        const p = y * s.width + x;
        setAlbedo(s, p, rgb);
        s.heightMap[p] = (s.heightMap[p] as number) + thin * 0.6;
      }
    }
  }
}

export interface LooseLoadOptions {
  material?: LooseMaterial;
}

/** An open load of loose material, `width` x `height` pixels, returned with its material. */
export function renderLooseLoad(
  rng: Rng,
  width: number,
  height: number,
  options: LooseLoadOptions = {},
): { canvas: Canvas; material: LooseMaterial } {
  const material = options.material ?? rng.pick(LOOSE_MATERIALS);
  const size = Math.max(width, height);
  const s = createSurface(width, height);
  heapShape(rng, s);
  const grain =
    material === 'rubble' || material === 'debris'
      ? size * rng.range(0.03, 0.09)
      : material === 'gravel'
        ? size * rng.range(0.015, 0.05)
        : size * rng.range(0.012, 0.04);
  paintMaterial(rng, s, material, grain);
  if (material === 'debris') {
    // debris is rubble mixed with soil, with bits on top
    const f = rng.range(2, 5) / size;
    const weight = fbmField(rng.seed(), width, height, f, f, 3).map((v) => smoothstep(-0.1, 0.15, v));
    paintMaterial(rng, s, 'soil', size * rng.range(0.015, 0.04), weight);
    scatterBits(rng, s, size * 0.03);
  } else if (rng.chance(0.3)) {
    // a second material in patches (soil with stones, sand with gravel…)
    const other = rng.pick(LOOSE_MATERIALS.filter((m) => m !== 'debris' && m !== material));
    const f = rng.range(2, 6) / size;
    const weight = fbmField(rng.seed(), width, height, f, f, 3).map((v) => smoothstep(0.05, 0.3, v));
    const otherGrain = other === 'rubble' ? size * rng.range(0.04, 0.1) : size * rng.range(0.015, 0.04);
    paintMaterial(rng, s, other, otherGrain, weight);
  }
  const light = randomLight(rng);
  return { canvas: shadeSurface(s, light), material };
}
