import type { PictureMeasures } from './picture-measures.ts';

/** Sharpness samples kept while learning (the median of them is the reference). */
const MAX_SAMPLES = 256;
/** Fewest healthy frames a reference is learned from, however long learning took. */
const MIN_FRAMES = 5;
/** The scene may have shifted this many coarse cells (wind on the pole) and still be the same. */
const MAX_SHIFT = 1;

/** What the camera's healthy picture is like, learned from its first healthy frames. */
export interface LearnedReference {
  /** Median sharpness of the healthy frames. */
  sharpness: number;
  /** Mean texture per cell of the texture grid. */
  cellTexture: Float32Array;
  /** Mean log-brightness gradients: people and cars average out, the scene's edges stay. */
  gradX: Float32Array;
  gradY: Float32Array;
  width: number;
  height: number;
}

/**
 * Learns a camera's reference over `learnSeconds` of healthy frames (at least MIN_FRAMES), then
 * holds it. A camera that starts faulty learns once it is healthy; one whose view changes for
 * good (turned on purpose) learns again when the diagnosis is rebuilt (the camera's config applied).
 */
export class SceneLearner {
  private firstTime: number | undefined;
  private frames = 0;
  private readonly sharpness = new Float32Array(MAX_SAMPLES);
  private cellSums = new Float64Array(0);
  private gradSumX = new Float64Array(0);
  private gradSumY = new Float64Array(0);
  private learned: LearnedReference | undefined;

  constructor(private readonly learnSeconds: number) {}

  get reference(): LearnedReference | undefined {
    return this.learned;
  }

  /** Takes a healthy frame's measures (the caller decides what is healthy) at stream time `time`. */
  add(m: PictureMeasures, time: number): void {
    if (this.learned) return;
    const size = m.gradX.length;
    if (this.firstTime === undefined || this.gradSumX.length !== size) {
      this.firstTime = time;
      this.frames = 0;
      this.cellSums = new Float64Array(m.cellTexture.length);
      this.gradSumX = new Float64Array(size);
      this.gradSumY = new Float64Array(size);
    }
    this.sharpness[this.frames % MAX_SAMPLES] = m.sharpness;
    for (let c = 0; c < m.cellTexture.length; c++)
      this.cellSums[c] = (this.cellSums[c] as number) + (m.cellTexture[c] as number);
    for (let i = 0; i < size; i++) {
      this.gradSumX[i] = (this.gradSumX[i] as number) + (m.gradX[i] as number);
      this.gradSumY[i] = (this.gradSumY[i] as number) + (m.gradY[i] as number);
    }
    this.frames++;
    if (this.frames >= MIN_FRAMES && time - this.firstTime >= this.learnSeconds) this.finish(m);
  }

  private finish(m: PictureMeasures): void {
    const n = this.frames;
    const samples = Array.from(this.sharpness.subarray(0, Math.min(n, MAX_SAMPLES))).sort((a, b) => a - b);
    this.learned = {
      sharpness: samples[Math.floor(samples.length / 2)] as number,
      cellTexture: Float32Array.from(this.cellSums, (s) => s / n),
      gradX: Float32Array.from(this.gradSumX, (s) => s / n),
      gradY: Float32Array.from(this.gradSumY, (s) => s / n),
      width: m.coarseWidth,
      height: m.coarseHeight,
    };
  }
}

/**
 * How alike the frame's edge structure is to the reference's (0..1): the best normalised
 * correlation of their gradient fields over shifts of up to MAX_SHIFT cells. Gradients of log
 * brightness make it blind to the light getting brighter or dimmer; a turned camera's edges no
 * longer line up. Allocation-free.
 */
export function sceneSimilarity(m: PictureMeasures, ref: LearnedReference): number {
  const { coarseWidth: w, coarseHeight: h, gradX, gradY } = m;
  if (w !== ref.width || h !== ref.height) return 0;
  let best = 0;
  for (let dy = -MAX_SHIFT; dy <= MAX_SHIFT; dy++) {
    for (let dx = -MAX_SHIFT; dx <= MAX_SHIFT; dx++) {
      let dot = 0;
      let frame = 0;
      let reference = 0;
      for (let y = 1 + MAX_SHIFT; y < h - 1 - MAX_SHIFT; y++) {
        for (let x = 1 + MAX_SHIFT; x < w - 1 - MAX_SHIFT; x++) {
          const i = y * w + x;
          const j = i + dy * w + dx;
          const fx = gradX[i] as number;
          const fy = gradY[i] as number;
          const rx = ref.gradX[j] as number;
          const ry = ref.gradY[j] as number;
          dot += fx * rx + fy * ry;
          frame += fx * fx + fy * fy;
          reference += rx * rx + ry * ry;
        }
      }
      const denominator = Math.sqrt(frame * reference);
      if (denominator > 0) best = Math.max(best, dot / denominator);
    }
  }
  return best;
}
