import type { Rng } from '../../../foundation/util/seeded-rng.ts';
import {
  blendPixel,
  type Canvas,
  clamp01,
  palette,
  type Rgb,
  scalePixel,
  smoothstep,
  weightedPalette,
} from './canvas.ts';
import { fbmField } from './noise.ts';
import { addMound, createSurface, randomLight, type Surface, shadeSurface } from './surface.ts';
import { renderLooseLoad } from './uncovered-loads.ts';

/** How a load can be covered (or closed in). */
export const COVERS = ['tarp', 'net', 'closed-body'] as const;
export type Cover = (typeof COVERS)[number];

// the last, soil-coloured tarp is rare here: such tarps exist and are a known weakness
const TARP = weightedPalette(
  [
    0x285f37, 0x194126, 0x234b96, 0x4682be, 0x787d82, 0x232326, 0xe17323, 0xbe2d28, 0xd2c83c, 0xcdcdc8,
    0x8c7850,
  ],
  [3, 2, 3, 1, 2, 2, 2, 1, 1, 1, 0.5],
);
const STRAP = palette([0xe6b41e, 0xe66e1e, 0x1e1e1e, 0x2846a0, 0xc8c8c8, 0xaa2828]);
const NET = weightedPalette([0x23733c, 0x145028, 0x469650, 0x1e1e20, 0x23468c], [4, 3, 2, 1, 1]);
const PAINT = palette([
  0xebebe8, 0xcdd0d4, 0xaaafb4, 0x2850a0, 0xbe2823, 0xebbe28, 0xe6781e, 0x287846, 0x505258, 0xe1d7b9,
]);

function jitter(rng: Rng, rgb: Rgb, amount: number): Rgb {
  const k = 1 + rng.range(-amount, amount);
  return [rgb[0] * k, rgb[1] * k, rgb[2] * k];
}

function fillAlbedo(s: Surface, rgb: Rgb): void {
  for (let p = 0; p < s.width * s.height; p++) {
    s.albedo[p * 3] = rgb[0];
    s.albedo[p * 3 + 1] = rgb[1];
    s.albedo[p * 3 + 2] = rgb[2];
  }
}

/** Calls `paint` for pixels within `halfWidth` of the line through (cx, cy) at `angle`, with the distance. */
function alongLine(
  canvas: { width: number; height: number },
  cx: number,
  cy: number,
  angle: number,
  halfWidth: number,
  paint: (p: number, distance: number, along: number) => void,
  wobble?: (along: number) => number,
): void {
  const nx = -Math.sin(angle);
  const ny = Math.cos(angle);
  for (let y = 0; y < canvas.height; y++) {
    for (let x = 0; x < canvas.width; x++) {
      const along = (x - cx) * ny - (y - cy) * nx;
      const d = (x - cx) * nx + (y - cy) * ny - (wobble ? wobble(along) : 0);
      if (Math.abs(d) <= halfWidth + 1) paint(y * canvas.width + x, d, along);
    }
  }
}

/** A tarpaulin pulled over a heaped load: one colour, folds, lumps, straps or ropes. */
function renderTarp(rng: Rng, width: number, height: number): Canvas {
  const size = Math.max(width, height);
  const s = createSurface(width, height);
  const colour = jitter(rng, rng.weighted(TARP), 0.12);
  fillAlbedo(s, colour);
  // the load underneath: broad lumps
  for (let k = rng.int(1, 4); k > 0; k--) {
    const sigma = size * rng.range(0.12, 0.4);
    addMound(s, rng.range(0, width), rng.range(0, height), sigma, sigma * rng.range(0.1, 0.6));
  }
  // folds: long ridges and valleys
  const folds = rng.int(1, 6);
  const main = rng.range(0, Math.PI);
  for (let k = 0; k < folds; k++) {
    const angle = main + rng.range(-0.5, 0.5);
    const halfWidth = size * rng.range(0.015, 0.06);
    const depth = halfWidth * rng.range(-1.5, 1.5);
    const cx = rng.range(0, width);
    const cy = rng.range(0, height);
    alongLine(s, cx, cy, angle, halfWidth * 3, (p, d) => {
      s.heightMap[p] = (s.heightMap[p] as number) + depth * Math.exp(-(d * d) / (halfWidth * halfWidth));
    });
  }
  // wrinkles and sag
  const f = rng.range(3, 9) / size;
  const wrinkle = size * rng.range(0.005, 0.025);
  const wrinkles = fbmField(rng.seed(), width, height, f, f * 0.5, 3, 2);
  for (let p = 0; p < wrinkles.length; p++)
    s.heightMap[p] = (s.heightMap[p] as number) + wrinkle * (wrinkles[p] as number);
  // weathering: dust and dirt on some tarps
  if (rng.chance(0.35)) {
    const df = rng.range(2, 6) / size;
    const dirtField = fbmField(rng.seed(), width, height, df, df, 3);
    const dirt: Rgb = [rng.range(90, 140), rng.range(75, 110), rng.range(55, 80)];
    const amount = rng.range(0.1, 0.35);
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) {
        const p = y * width + x;
        const a = amount * smoothstep(0, 0.5, dirtField[p] as number);
        for (let c = 0; c < 3; c++)
          s.albedo[p * 3 + c] = (s.albedo[p * 3 + c] as number) * (1 - a) + (dirt[c] as number) * a;
      }
  }
  const light = randomLight(rng);
  light.specular = rng.range(0, 0.25);
  light.shininess = rng.range(6, 30);
  const canvas = shadeSurface(s, light);
  // straps across the load, or ropes criss-crossed
  const across = main + Math.PI / 2 + rng.range(-0.2, 0.2);
  if (rng.chance(0.6)) {
    const strap = rng.pick(STRAP);
    const count = rng.int(1, 4);
    const half = size * rng.range(0.008, 0.025);
    for (let k = 0; k < count; k++) {
      const t = (k + 0.5 + rng.range(-0.3, 0.3)) / count;
      const cx = width * (0.5 + (t - 0.5) * Math.abs(Math.cos(main)));
      const cy = height * (0.5 + (t - 0.5) * Math.abs(Math.sin(main)));
      alongLine(canvas, cx, cy, across, half * 2, (p, d) => {
        if (Math.abs(d) <= half) blendPixel(canvas, p * 3, strap, 0.9);
        else if (d > 0) scalePixel(canvas, p * 3, 0.75);
      });
    }
  }
  if (rng.chance(0.4)) {
    const rope: Rgb = rng.pick([
      [220, 220, 210],
      [40, 40, 40],
      [200, 170, 60],
      [40, 90, 170],
    ]);
    const half = size * rng.range(0.003, 0.01);
    for (let k = rng.int(2, 6); k > 0; k--) {
      const angle = across + rng.range(-0.8, 0.8);
      alongLine(canvas, rng.range(0, width), rng.range(0, height), angle, half, (p) =>
        blendPixel(canvas, p * 3, rope, 0.85),
      );
    }
  }
  return canvas;
}

/** A dust net (knitted HDPE mesh) stretched over a heap of loose material. */
function renderNet(rng: Rng, width: number, height: number): Canvas {
  const { canvas } = renderLooseLoad(rng, width, height);
  const darken = rng.range(0.55, 0.9);
  for (let i = 0; i < canvas.data.length; i++) canvas.data[i] = (canvas.data[i] as number) * darken;
  const colour = jitter(rng, rng.weighted(NET), 0.15);
  const pitch = rng.range(1.8, 6);
  const lineFraction = rng.range(0.3, 0.7);
  const opacity = rng.range(0.7, 0.95);
  const angle = rng.range(0, Math.PI / 2);
  const ca = Math.cos(angle);
  const sa = Math.sin(angle);
  const sag = rng.range(0, 3);
  const size = Math.max(width, height);
  const wobbles = fbmField(rng.seed(), width, height, 3 / size, 3 / size, 2);
  const shadeFreq = rng.range(2, 6) / size;
  const shades = fbmField(rng.seed(), width, height, shadeFreq, shadeFreq, 2);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const wobble = sag * (wobbles[y * width + x] as number);
      const u = ((x * ca + y * sa) / pitch + wobble) % 1;
      const v = ((-x * sa + y * ca) / pitch + wobble) % 1;
      const onLine = (w: number) => ((w % 1) + 1) % 1 < lineFraction;
      const cover = onLine(u) || onLine(v) ? 1 : 0.35;
      const light = 0.8 + 0.35 * (shades[y * width + x] as number);
      blendPixel(
        canvas,
        (y * width + x) * 3,
        [colour[0] * light, colour[1] * light, colour[2] * light],
        opacity * cover,
      );
    }
  }
  return canvas;
}

/** A closed body or a lid: painted panels with seams, ribs, doors, windows, lamps, dirt. */
function renderClosedBody(rng: Rng, width: number, height: number): Canvas {
  const size = Math.max(width, height);
  const s = createSurface(width, height);
  const paint = jitter(rng, rng.pick(PAINT), 0.1);
  fillAlbedo(s, paint);
  // slight curvature (a lid, a bulging panel)
  if (rng.chance(0.5))
    addMound(s, width / 2, height / 2, size * rng.range(0.4, 1), size * rng.range(0.05, 0.3));
  // corrugation ribs
  if (rng.chance(0.45)) {
    const vertical = rng.chance(0.5);
    const period = size * rng.range(0.04, 0.12);
    const depth = period * rng.range(0.1, 0.3);
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) {
        const t = (vertical ? x : y) / period;
        s.heightMap[y * width + x] =
          (s.heightMap[y * width + x] as number) + depth * Math.sin(2 * Math.PI * t);
      }
  }
  const light = randomLight(rng);
  light.specular = rng.range(0.05, 0.4);
  light.shininess = rng.range(8, 40);
  const canvas = shadeSurface(s, light);
  // large smooth gradient (sky reflection on paint)
  const gx = rng.range(-0.25, 0.25);
  const gy = rng.range(-0.25, 0.25);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      scalePixel(canvas, (y * width + x) * 3, 1 + gx * (x / width - 0.5) + gy * (y / height - 0.5));
  // seams: door split, panel lines, with a highlight beside each
  const seams = rng.int(0, 4);
  for (let k = 0; k < seams; k++) {
    const vertical = rng.chance(0.6);
    const at = vertical ? rng.range(0.1, 0.9) * width : rng.range(0.1, 0.9) * height;
    const darkness = rng.range(0.3, 0.7);
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) {
        const d = (vertical ? x : y) - at;
        const p = (y * width + x) * 3;
        if (Math.abs(d) < size * 0.008 + 0.5) scalePixel(canvas, p, darkness);
        else if (d > 0 && d < size * 0.02 + 1) scalePixel(canvas, p, 1.12);
      }
  }
  // windows (rear doors of a van or box body): dark glass with a reflection gradient
  const windows = rng.weighted([
    [0, 3],
    [1, 1],
    [2, 2],
  ] as const);
  const tone = rng.range(20, 80);
  const glass: Rgb = [tone, tone * rng.range(1, 1.1), tone * rng.range(1, 1.25)];
  const wy1 = rng.range(0.05, 0.35) * height;
  const wy2 = wy1 + rng.range(0.25, 0.6) * height;
  for (let k = 0; k < windows; k++) {
    const span = width / windows;
    const wx1 = k * span + rng.range(0.08, 0.2) * span;
    const wx2 = (k + 1) * span - rng.range(0.08, 0.2) * span;
    for (let y = Math.floor(wy1); y < Math.min(height, wy2); y++)
      for (let x = Math.floor(wx1); x < Math.min(width, wx2); x++) {
        const sheen = 1 + 0.5 * clamp01((x - wx1) / (wx2 - wx1) - (y - wy1) / (wy2 - wy1));
        blendPixel(canvas, (y * width + x) * 3, [glass[0] * sheen, glass[1] * sheen, glass[2] * sheen], 0.95);
      }
  }
  // small fittings: handles, lamps, plates, stickers
  for (let k = rng.int(0, 5); k > 0; k--) {
    const rgb: Rgb = rng.pick([
      [200, 30, 30],
      [230, 140, 30],
      [30, 30, 30],
      [230, 220, 80],
      [240, 240, 240],
      [40, 60, 140],
    ]);
    const w = rng.range(0.03, 0.15) * width;
    const h = rng.range(0.04, 0.12) * height;
    const x0 = rng.range(0, width - w);
    const y0 = rng.range(0, height - h);
    for (let y = Math.floor(y0); y < y0 + h; y++)
      for (let x = Math.floor(x0); x < x0 + w; x++) blendPixel(canvas, (y * width + x) * 3, rgb, 0.9);
  }
  // road grime: streaks running down
  if (rng.chance(0.5)) {
    const amount = rng.range(0.05, 0.25);
    const streaks = fbmField(rng.seed(), width, height, 12 / size, 1.5 / size, 3, 2);
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) {
        const streak = streaks[y * width + x] as number;
        scalePixel(canvas, (y * width + x) * 3, 1 - amount * clamp01(streak + 0.3));
      }
  }
  return canvas;
}

export function renderCover(rng: Rng, width: number, height: number, cover: Cover): Canvas {
  if (cover === 'tarp') return renderTarp(rng, width, height);
  if (cover === 'net') return renderNet(rng, width, height);
  return renderClosedBody(rng, width, height);
}
