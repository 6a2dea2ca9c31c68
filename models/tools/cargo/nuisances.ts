import type { Rng } from '../../../foundation/util/seeded-rng.ts';
import { blendPixel, type Canvas, palette, type Rgb, scalePixel, smoothstep } from './canvas.ts';
import { fbm } from './noise.ts';

/**
 * What lies around and over a load in a real crop: the truck's own body, the background a loose
 * box takes in, shadows, and things between the camera and the truck.
 */

const BODY = palette([0xdcdcd7, 0xc83c2d, 0xe6b428, 0x3c5aa0, 0x5a5a5f, 0x3c7846, 0xeb8228, 0x969696]);
const BACKGROUND = palette([0x555558, 0x6e6c69, 0xaaa08c, 0x8c6450, 0x3c4637, 0x28282a]);

/** The side walls (and tailgate) of the load bed: painted bands along some edges. */
export function addBodyEdges(rng: Rng, canvas: Canvas): void {
  const { width, height } = canvas;
  const colour = rng.pick(BODY).map((v) => v * rng.range(0.8, 1.1)) as unknown as Rgb;
  const sides = (['left', 'right', 'top', 'bottom'] as const).filter(() => rng.chance(0.5));
  for (const side of sides) {
    const horizontal = side === 'top' || side === 'bottom';
    const thickness = (horizontal ? height : width) * rng.range(0.04, 0.14);
    const light = rng.range(0.7, 1.15);
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) {
        const d =
          side === 'left' ? x : side === 'right' ? width - 1 - x : side === 'top' ? y : height - 1 - y;
        if (d > thickness + 1) continue;
        const p = (y * width + x) * 3;
        if (d <= thickness)
          blendPixel(canvas, p, [colour[0] * light, colour[1] * light, colour[2] * light], 1);
        else scalePixel(canvas, p, 0.45);
      }
  }
}

/** A strip of road, wall or shade where the crop box runs past the truck. */
export function addBackgroundMargin(rng: Rng, canvas: Canvas): void {
  const { width, height } = canvas;
  const colour = rng.pick(BACKGROUND);
  const side = rng.pick(['left', 'right', 'top', 'bottom'] as const);
  const horizontal = side === 'top' || side === 'bottom';
  const thickness = (horizontal ? height : width) * rng.range(0.03, 0.15);
  const seed = rng.seed();
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const d = side === 'left' ? x : side === 'right' ? width - 1 - x : side === 'top' ? y : height - 1 - y;
      if (d > thickness) continue;
      const n = 1 + 0.15 * fbm(seed, x * 0.3, y * 0.3, 2);
      blendPixel(canvas, (y * width + x) * 3, [colour[0] * n, colour[1] * n, colour[2] * n], 1);
    }
}

/** A soft-edged shadow (a building, a tree, the cab) over part of the crop. */
export function addShadow(rng: Rng, canvas: Canvas): void {
  const { width, height } = canvas;
  const angle = rng.range(0, 2 * Math.PI);
  const nx = Math.cos(angle);
  const ny = Math.sin(angle);
  const cx = rng.range(0.2, 0.8) * width;
  const cy = rng.range(0.2, 0.8) * height;
  const softness = Math.max(width, height) * rng.range(0.01, 0.1);
  const depth = rng.range(0.4, 0.8);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const d = (x - cx) * nx + (y - cy) * ny;
      const inside = smoothstep(-softness, softness, d);
      scalePixel(canvas, (y * width + x) * 3, 1 - (1 - depth) * inside);
    }
}

/** A pole, a wire or foliage between the camera and the truck. */
export function addOccluder(rng: Rng, canvas: Canvas): void {
  const { width, height } = canvas;
  const kind = rng.pick(['pole', 'wire', 'foliage'] as const);
  if (kind === 'pole') {
    const colour: Rgb = rng.pick([
      [50, 50, 52],
      [120, 120, 118],
      [40, 70, 50],
      [200, 200, 195],
    ]);
    const x0 = rng.range(0, width);
    const half = width * rng.range(0.01, 0.04) + 0.5;
    const lean = rng.range(-0.15, 0.15);
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) {
        const d = Math.abs(x - (x0 + lean * y));
        if (d < half) blendPixel(canvas, (y * width + x) * 3, colour, 1);
      }
  } else if (kind === 'wire') {
    const y0 = rng.range(0, height);
    const slope = rng.range(-0.4, 0.4);
    const sag = rng.range(0, 0.3) * height;
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) {
        const t = x / width;
        const d = Math.abs(y - (y0 + slope * x + sag * 4 * t * (1 - t)));
        if (d < 0.9) blendPixel(canvas, (y * width + x) * 3, [30, 30, 30], 0.8 * (1 - d / 0.9));
      }
  } else {
    const cx = rng.range(0, width);
    const cy = rng.chance(0.5) ? 0 : rng.range(0, height);
    const radius = Math.max(width, height) * rng.range(0.08, 0.25);
    const seed = rng.seed();
    const colour: Rgb = [rng.range(25, 60), rng.range(45, 90), rng.range(20, 45)];
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) {
        const r = Math.hypot(x - cx, y - cy) / radius;
        const leaf = fbm(seed, x * 0.25, y * 0.25, 2);
        if (r < 1 && leaf > r - 0.6)
          blendPixel(canvas, (y * width + x) * 3, shadeRgb(colour, 0.8 + leaf * 0.5), 0.95);
      }
  }
}

function shadeRgb(rgb: Rgb, k: number): Rgb {
  return [rgb[0] * k, rgb[1] * k, rgb[2] * k];
}

/** Exposure, contrast, saturation, white balance, haze and a lighting gradient across the crop. */
export function photometric(rng: Rng, canvas: Canvas): void {
  const { width, height, data } = canvas;
  const gain = rng.range(0.6, 1.35);
  const contrast = rng.range(0.65, 1.3);
  const saturation = rng.range(0.5, 1.3);
  const cast = [rng.range(0.9, 1.1), rng.range(0.93, 1.07), rng.range(0.88, 1.12)];
  const haze = rng.chance(0.3) ? rng.range(0, 0.3) : 0;
  const hazeLevel = rng.range(120, 200);
  const gx = rng.range(-0.3, 0.3);
  const gy = rng.range(-0.3, 0.3);
  let mean = 0;
  for (let i = 0; i < data.length; i++) mean += data[i] as number;
  mean /= data.length;
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const p = (y * width + x) * 3;
      const grey =
        0.299 * (data[p] as number) + 0.587 * (data[p + 1] as number) + 0.114 * (data[p + 2] as number);
      const light = gain * (1 + gx * (x / width - 0.5) + gy * (y / height - 0.5));
      for (let c = 0; c < 3; c++) {
        let v = grey + saturation * ((data[p + c] as number) - grey);
        v = mean + contrast * (v - mean);
        v = v * light * (cast[c] as number);
        data[p + c] = v * (1 - haze) + hazeLevel * haze;
      }
    }
}

/** Sensor noise: Gaussian, `sigma` levels, partly shared by the channels. */
export function addNoise(rng: Rng, canvas: Canvas, sigma: number): void {
  const { data } = canvas;
  for (let p = 0; p < data.length; p += 3) {
    const shared = rng.gaussian() * sigma * 0.7;
    for (let c = 0; c < 3; c++) data[p + c] = (data[p + c] as number) + shared + rng.gaussian() * sigma * 0.3;
  }
}
