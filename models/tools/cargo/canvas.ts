import type { RawImage } from '../../../foundation/media/frame.ts';

/** An RGB image with float channels on the 0..255 scale, interleaved. */
export interface Canvas {
  width: number;
  height: number;
  data: Float32Array;
}

export type Rgb = readonly [number, number, number];

/** Colours written as 0xRRGGBB. */
export function palette(hexes: readonly number[]): Rgb[] {
  return hexes.map((hex) => [(hex >> 16) & 0xff, (hex >> 8) & 0xff, hex & 0xff]);
}

/** Colours written as 0xRRGGBB, each with how often it is drawn. */
export function weightedPalette(hexes: readonly number[], weights: readonly number[]): [Rgb, number][] {
  return palette(hexes).map((rgb, k) => [rgb, weights[k] as number]);
}

export function createCanvas(width: number, height: number, fill: Rgb = [0, 0, 0]): Canvas {
  const data = new Float32Array(width * height * 3);
  for (let i = 0; i < data.length; i += 3) {
    data[i] = fill[0];
    data[i + 1] = fill[1];
    data[i + 2] = fill[2];
  }
  return { width, height, data };
}

/** Mixes `rgb` into pixel `i` with opacity `alpha`. */
export function blendPixel(canvas: Canvas, i: number, rgb: Rgb, alpha: number): void {
  const d = canvas.data;
  d[i] = (d[i] as number) * (1 - alpha) + rgb[0] * alpha;
  d[i + 1] = (d[i + 1] as number) * (1 - alpha) + rgb[1] * alpha;
  d[i + 2] = (d[i + 2] as number) * (1 - alpha) + rgb[2] * alpha;
}

export function scalePixel(canvas: Canvas, i: number, factor: number): void {
  const d = canvas.data;
  d[i] = (d[i] as number) * factor;
  d[i + 1] = (d[i + 1] as number) * factor;
  d[i + 2] = (d[i + 2] as number) * factor;
}

/** Averages `factor` x `factor` blocks (the supersampled render down to its real size). */
export function downsample(canvas: Canvas, factor: number): Canvas {
  const width = Math.floor(canvas.width / factor);
  const height = Math.floor(canvas.height / factor);
  const out = createCanvas(width, height);
  const n = factor * factor;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let j = 0; j < factor; j++) {
        for (let i = 0; i < factor; i++) {
          const s = ((y * factor + j) * canvas.width + x * factor + i) * 3;
          r += canvas.data[s] as number;
          g += canvas.data[s + 1] as number;
          b += canvas.data[s + 2] as number;
        }
      }
      const o = (y * width + x) * 3;
      out.data[o] = r / n;
      out.data[o + 1] = g / n;
      out.data[o + 2] = b / n;
    }
  }
  return out;
}

/** Separable Gaussian blur with standard deviation `sigma` pixels, edges clamped. */
export function gaussianBlur(canvas: Canvas, sigma: number): Canvas {
  if (sigma < 0.2) return canvas;
  const radius = Math.ceil(sigma * 2.5);
  const kernel: number[] = [];
  let total = 0;
  for (let k = -radius; k <= radius; k++) {
    const w = Math.exp(-(k * k) / (2 * sigma * sigma));
    kernel.push(w);
    total += w;
  }
  const weights = kernel.map((w) => w / total);
  const pass = (src: Canvas, horizontal: boolean): Canvas => {
    const { width, height } = src;
    const out = createCanvas(width, height);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        let r = 0;
        let g = 0;
        let b = 0;
        for (let k = -radius; k <= radius; k++) {
          const sx = horizontal ? Math.min(width - 1, Math.max(0, x + k)) : x;
          const sy = horizontal ? y : Math.min(height - 1, Math.max(0, y + k));
          const w = weights[k + radius] as number;
          const s = (sy * width + sx) * 3;
          r += w * (src.data[s] as number);
          g += w * (src.data[s + 1] as number);
          b += w * (src.data[s + 2] as number);
        }
        const o = (y * width + x) * 3;
        out.data[o] = r;
        out.data[o + 1] = g;
        out.data[o + 2] = b;
      }
    }
    return out;
  };
  return pass(pass(canvas, true), false);
}

const DCT = (() => {
  const m = new Float64Array(64);
  for (let u = 0; u < 8; u++) {
    for (let x = 0; x < 8; x++) {
      m[u * 8 + x] = (u === 0 ? Math.SQRT1_2 : 1) * 0.5 * Math.cos(((2 * x + 1) * u * Math.PI) / 16);
    }
  }
  return m;
})();

/** The JPEG standard's luminance quantisation table (Annex K). */
const LUMA_Q = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22,
  29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92, 49, 64, 78, 87, 103,
  121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
];

/**
 * out[r][c] = the sum over k of a[r][k] * b[k][c], for 8x8 blocks where a[r][k] is
 * a[r * aRow + k * aCol] (and b likewise), so that a transposed operand is read in place.
 */
function product8(
  out: Float64Array,
  a: Float64Array,
  aRow: number,
  aCol: number,
  b: Float64Array,
  bRow: number,
  bCol: number,
): void {
  for (let r = 0; r < 8; r++)
    for (let c = 0; c < 8; c++) {
      let sum = 0;
      for (let k = 0; k < 8; k++)
        sum += (a[r * aRow + k * aCol] as number) * (b[k * bRow + c * bCol] as number);
      out[r * 8 + c] = sum;
    }
}

/** Quantises one 8x8-block plane in place through its DCT, as a JPEG encoder at `quality` would. */
function quantisePlane(plane: Float32Array, width: number, height: number, quality: number): void {
  const scale = quality < 50 ? 5000 / quality : 200 - 2 * quality;
  const q = LUMA_Q.map((v) => Math.max(1, Math.floor((v * scale + 50) / 100)));
  const block = new Float64Array(64);
  const tmp = new Float64Array(64);
  for (let by = 0; by < height; by += 8) {
    for (let bx = 0; bx < width; bx += 8) {
      for (let y = 0; y < 8; y++)
        for (let x = 0; x < 8; x++)
          block[y * 8 + x] =
            (plane[Math.min(height - 1, by + y) * width + Math.min(width - 1, bx + x)] as number) - 128;
      // forward DCT (rows, then columns), quantised, then the inverse (rows, then columns)
      product8(tmp, block, 8, 1, DCT, 1, 8);
      product8(block, DCT, 8, 1, tmp, 8, 1);
      for (let i = 0; i < 64; i++) {
        const step = q[i] as number;
        block[i] = Math.round((block[i] as number) / step) * step;
      }
      product8(tmp, block, 8, 1, DCT, 8, 1);
      product8(block, DCT, 1, 8, tmp, 8, 1);
      for (let y = 0; y < 8 && by + y < height; y++)
        for (let x = 0; x < 8 && bx + x < width; x++)
          plane[(by + y) * width + bx + x] = (block[y * 8 + x] as number) + 128;
    }
  }
}

/**
 * JPEG-like loss: YCbCr, chroma averaged over 2x2 pixels, luma and chroma quantised through the
 * 8x8 DCT with the standard table at `quality` (1..100). Not a JPEG codec, its artefacts.
 */
export function jpegLike(canvas: Canvas, quality: number): Canvas {
  const { width, height, data } = canvas;
  const n = width * height;
  const Y = new Float32Array(n);
  const cb = new Float32Array(n);
  const cr = new Float32Array(n);
  for (let p = 0; p < n; p++) {
    const r = data[p * 3] as number;
    const g = data[p * 3 + 1] as number;
    const b = data[p * 3 + 2] as number;
    Y[p] = 0.299 * r + 0.587 * g + 0.114 * b;
    cb[p] = 128 - 0.168736 * r - 0.331264 * g + 0.5 * b;
    cr[p] = 128 + 0.5 * r - 0.418688 * g - 0.081312 * b;
  }
  for (const plane of [cb, cr]) {
    for (let y = 0; y < height; y += 2) {
      for (let x = 0; x < width; x += 2) {
        const idx = [y * width + x];
        if (x + 1 < width) idx.push(y * width + x + 1);
        if (y + 1 < height) idx.push((y + 1) * width + x);
        if (x + 1 < width && y + 1 < height) idx.push((y + 1) * width + x + 1);
        const mean = idx.reduce((s, i) => s + (plane[i] as number), 0) / idx.length;
        for (const i of idx) plane[i] = mean;
      }
    }
  }
  quantisePlane(Y, width, height, quality);
  quantisePlane(cb, width, height, Math.max(1, quality - 10));
  quantisePlane(cr, width, height, Math.max(1, quality - 10));
  const out = createCanvas(width, height);
  for (let p = 0; p < n; p++) {
    const y = Y[p] as number;
    const b = (cb[p] as number) - 128;
    const r = (cr[p] as number) - 128;
    out.data[p * 3] = y + 1.402 * r;
    out.data[p * 3 + 1] = y - 0.344136 * b - 0.714136 * r;
    out.data[p * 3 + 2] = y + 1.772 * b;
  }
  return out;
}

/** 8-bit RGB, values rounded and clamped to 0..255. */
export function toRawImage(canvas: Canvas): RawImage {
  const data = new Uint8Array(canvas.data.length);
  for (let i = 0; i < data.length; i++)
    data[i] = Math.max(0, Math.min(255, Math.round(canvas.data[i] as number)));
  return { data, width: canvas.width, height: canvas.height };
}

export function fromRawImage(image: RawImage): Canvas {
  return { width: image.width, height: image.height, data: Float32Array.from(image.data) };
}

export function clamp01(v: number): number {
  return Math.max(0, Math.min(1, v));
}

export function smoothstep(edge0: number, edge1: number, v: number): number {
  const t = clamp01((v - edge0) / (edge1 - edge0));
  return t * t * (3 - 2 * t);
}

export function mixRgb(a: Rgb, b: Rgb, t: number): Rgb {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
}
