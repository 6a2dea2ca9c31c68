import type { RawImage } from '../../foundation/media/frame.ts';

/** Thumbnail width the picture is measured at: enough detail for sharpness, cheap to pass over. */
const THUMB_WIDTH = 160;
/** The texture grid (covered): columns × rows of the thumbnail. */
export const CELL_COLUMNS = 8;
export const CELL_ROWS = 6;
/** Noise is estimated on this many full-resolution row triples, spread over the frame. */
const NOISE_ROWS = 48;
/** |noise kernel response| histogram bins; larger responses are edges, not noise. */
const NOISE_BINS = 1024;
/** A sampled pixel whose grey level moved more than this since the last diagnosed frame has changed. */
const CHANGE_LEVEL = 2;
/** Immerkær's kernel response of Gaussian noise σ has σ·6 spread; its median |value| is 0.6745 of that. */
const NOISE_MEDIAN_TO_SIGMA = 1 / (6 * 0.6745);
/** Log brightness for the scene structure: its gradients do not change when the light is multiplied. */
const LOG_OF_GREY = Float32Array.from({ length: 256 }, (_, v) => 32 * Math.log(v + 16));

/** What one frame measures; the object and its arrays are reused from frame to frame. */
export interface PictureMeasures {
  /** Share of thumbnail pixels at each grey level (0..255). */
  histogram: Float32Array;
  meanGrey: number;
  /** Share of sampled pixels that changed since the previous frame measured; NaN on the first. */
  changedShare: number;
  /** Laplacian energy over the picture's variance: falls when the picture blurs, whatever the light. */
  sharpness: number;
  /** Per cell of the texture grid, the mean grey step between neighbouring pixels. */
  cellTexture: Float32Array;
  /** Estimated noise, standard deviation in grey levels. */
  noiseSigma: number;
  /** Gradients of log brightness on a coarse grid (`coarseWidth` × `coarseHeight`), for the scene structure. */
  gradX: Float32Array;
  gradY: Float32Array;
  coarseWidth: number;
  coarseHeight: number;
}

const luma = (d: Uint8Array, i: number) =>
  (77 * (d[i] as number) + 150 * (d[i + 1] as number) + 29 * (d[i + 2] as number)) >> 8;

/**
 * Measures frames of one camera for the health diagnosis, on a grey thumbnail (block means) plus a
 * few full-resolution rows for noise. Buffers are allocated for the first frame's size (again only
 * if the size changes); measuring a frame allocates nothing.
 */
export class PictureMeter {
  private frameWidth = 0;
  private frameHeight = 0;
  private factor = 1;
  private width = 0;
  private height = 0;
  private grey = new Float32Array(0);
  private samples = new Uint8Array(0);
  private previous = new Uint8Array(0);
  private hasPrevious = false;
  private coarse = new Float32Array(0);
  private readonly counts = new Uint32Array(256);
  private readonly noiseCounts = new Uint32Array(NOISE_BINS);
  private rows: [Int16Array, Int16Array, Int16Array] = [
    new Int16Array(0),
    new Int16Array(0),
    new Int16Array(0),
  ];
  private readonly cellSums = new Float64Array(CELL_COLUMNS * CELL_ROWS);
  private readonly cellCounts = new Uint32Array(CELL_COLUMNS * CELL_ROWS);
  readonly measures: PictureMeasures = {
    histogram: new Float32Array(256),
    meanGrey: 0,
    changedShare: Number.NaN,
    sharpness: 0,
    cellTexture: new Float32Array(CELL_COLUMNS * CELL_ROWS),
    noiseSigma: 0,
    gradX: new Float32Array(0),
    gradY: new Float32Array(0),
    coarseWidth: 0,
    coarseHeight: 0,
  };

  /** Measures `frame` (interleaved RGB); the result is `this.measures`, valid until the next call. */
  measure(frame: RawImage): PictureMeasures {
    if (frame.width !== this.frameWidth || frame.height !== this.frameHeight) this.allocate(frame);
    this.thumbnail(frame);
    this.exposure();
    this.texture();
    this.structure();
    this.noise(frame);
    return this.measures;
  }

  /** Forgets the previous frame: the next one cannot be compared (after a gap in the signal). */
  forgetPrevious(): void {
    this.hasPrevious = false;
  }

  private allocate(frame: RawImage): void {
    this.frameWidth = frame.width;
    this.frameHeight = frame.height;
    this.factor = Math.max(1, Math.ceil(frame.width / THUMB_WIDTH));
    this.width = Math.max(4, Math.floor(frame.width / this.factor));
    this.height = Math.max(4, Math.floor(frame.height / this.factor));
    const n = this.width * this.height;
    this.grey = new Float32Array(n);
    this.samples = new Uint8Array(n);
    this.previous = new Uint8Array(n);
    this.hasPrevious = false;
    const cw = Math.floor(this.width / 2);
    const ch = Math.floor(this.height / 2);
    this.coarse = new Float32Array(cw * ch);
    this.measures.gradX = new Float32Array(cw * ch);
    this.measures.gradY = new Float32Array(cw * ch);
    this.measures.coarseWidth = cw;
    this.measures.coarseHeight = ch;
    this.rows = [new Int16Array(frame.width), new Int16Array(frame.width), new Int16Array(frame.width)];
  }

  /** Block-mean grey thumbnail, one unaveraged sample per block (noise shows in it), change share. */
  private thumbnail(frame: RawImage): void {
    const { width, height, factor, grey, samples, previous } = this;
    const data = frame.data;
    const stride = frame.width * 3;
    const area = factor * factor;
    let changed = 0;
    for (let ty = 0; ty < height; ty++) {
      for (let tx = 0; tx < width; tx++) {
        let sum = 0;
        const top = ty * factor * stride + tx * factor * 3;
        for (let dy = 0; dy < factor; dy++) {
          let p = top + dy * stride;
          for (let dx = 0; dx < factor; dx++, p += 3) sum += luma(data, p);
        }
        const k = ty * width + tx;
        grey[k] = sum / area;
        const sample = luma(data, top);
        if (Math.abs(sample - (previous[k] as number)) > CHANGE_LEVEL) changed++;
        samples[k] = sample;
      }
    }
    this.measures.changedShare = this.hasPrevious ? changed / (width * height) : Number.NaN;
    previous.set(samples);
    this.hasPrevious = true;
  }

  private exposure(): void {
    const { grey, counts } = this;
    const { histogram } = this.measures;
    counts.fill(0);
    let sum = 0;
    for (let i = 0; i < grey.length; i++) {
      const g = grey[i] as number;
      sum += g;
      counts[Math.round(g)] = (counts[Math.round(g)] as number) + 1;
    }
    for (let v = 0; v < 256; v++) histogram[v] = (counts[v] as number) / grey.length;
    this.measures.meanGrey = sum / grey.length;
  }

  /** Sharpness (Laplacian energy over variance) and per-cell texture, in one pass. */
  private texture(): void {
    const { width, height, grey, cellSums, cellCounts } = this;
    const mean = this.measures.meanGrey;
    cellSums.fill(0);
    cellCounts.fill(0);
    let laplace = 0;
    let variance = 0;
    let inner = 0;
    for (let y = 1; y < height - 1; y++) {
      const row = Math.min(CELL_ROWS - 1, Math.floor((y * CELL_ROWS) / height)) * CELL_COLUMNS;
      for (let x = 1; x < width - 1; x++) {
        const i = y * width + x;
        const g = grey[i] as number;
        const left = grey[i - 1] as number;
        const up = grey[i - width] as number;
        const l = 4 * g - left - (grey[i + 1] as number) - up - (grey[i + width] as number);
        laplace += l * l;
        variance += (g - mean) * (g - mean);
        inner++;
        const cell = row + Math.min(CELL_COLUMNS - 1, Math.floor((x * CELL_COLUMNS) / width));
        cellSums[cell] = (cellSums[cell] as number) + Math.abs(g - left) + Math.abs(g - up);
        cellCounts[cell] = (cellCounts[cell] as number) + 1;
      }
    }
    this.measures.sharpness = laplace / inner / (variance / inner + 1);
    const { cellTexture } = this.measures;
    for (let c = 0; c < cellTexture.length; c++)
      cellTexture[c] =
        (cellCounts[c] as number) > 0 ? (cellSums[c] as number) / (cellCounts[c] as number) : 0;
  }

  /** Log-brightness gradients on the thumbnail halved: the scene's lasting edges. */
  private structure(): void {
    const { width, grey, coarse } = this;
    const { gradX, gradY, coarseWidth: cw, coarseHeight: ch } = this.measures;
    for (let y = 0; y < ch; y++) {
      for (let x = 0; x < cw; x++) {
        const i = 2 * y * width + 2 * x;
        const mean =
          ((grey[i] as number) +
            (grey[i + 1] as number) +
            (grey[i + width] as number) +
            (grey[i + width + 1] as number)) /
          4;
        coarse[y * cw + x] = LOG_OF_GREY[Math.round(mean)] as number;
      }
    }
    gradX.fill(0);
    gradY.fill(0);
    for (let y = 1; y < ch - 1; y++) {
      for (let x = 1; x < cw - 1; x++) {
        const i = y * cw + x;
        gradX[i] = (coarse[i + 1] as number) - (coarse[i - 1] as number);
        gradY[i] = (coarse[i + cw] as number) - (coarse[i - cw] as number);
      }
    }
  }

  /**
   * Immerkær's noise estimate (fast noise variance estimation, 1996) on full-resolution row
   * triples, made robust to edges by taking the median response rather than the mean.
   */
  private noise(frame: RawImage): void {
    const { noiseCounts, rows } = this;
    const w = frame.width;
    const step = Math.max(3, Math.floor(frame.height / NOISE_ROWS));
    noiseCounts.fill(0);
    let total = 0;
    for (let y = 1; y + 1 < frame.height; y += step) {
      for (let r = 0; r < 3; r++) {
        const row = rows[r] as Int16Array;
        const base = (y - 1 + r) * w * 3;
        for (let x = 0; x < w; x++) row[x] = luma(frame.data, base + x * 3);
      }
      const [a, b, c] = rows;
      for (let x = 1; x < w - 1; x++) {
        const v =
          (a[x - 1] as number) -
          2 * (a[x] as number) +
          (a[x + 1] as number) -
          2 * (b[x - 1] as number) +
          4 * (b[x] as number) -
          2 * (b[x + 1] as number) +
          (c[x - 1] as number) -
          2 * (c[x] as number) +
          (c[x + 1] as number);
        const bin = Math.min(NOISE_BINS - 1, Math.abs(v));
        noiseCounts[bin] = (noiseCounts[bin] as number) + 1;
        total++;
      }
    }
    let seen = 0;
    let median = 0;
    for (; median < NOISE_BINS; median++) {
      seen += noiseCounts[median] as number;
      if (seen * 2 >= total) break;
    }
    this.measures.noiseSigma = total === 0 ? 0 : median * NOISE_MEDIAN_TO_SIGMA;
  }
}
