import type { WorkGrid } from './grey-features.ts';

/** At most this many blobs per frame are kept: a bound on work when the whole view changes. */
export const MAX_BLOBS = 256;
/** Marked cells this far apart (or closer) belong to one blob. */
const GAP_CELLS = 4;

/**
 * The connected groups of marked cells on a work grid (8-connected, after closing gaps of up to
 * GAP_CELLS cells: the edges of one object come apart where its inside is plain), with their bounding boxes and sums, in typed arrays reused from frame to frame.
 */
export class ChangeBlobs {
  count = 0;
  /** Per blob: its box in grid cells, inclusive. */
  readonly minX = new Int32Array(MAX_BLOBS);
  readonly minY = new Int32Array(MAX_BLOBS);
  readonly maxX = new Int32Array(MAX_BLOBS);
  readonly maxY = new Int32Array(MAX_BLOBS);
  /** Per blob: its marked cells, and the sums of the two energies over them. */
  readonly cells = new Int32Array(MAX_BLOBS);
  readonly frameEnergy = new Float64Array(MAX_BLOBS);
  readonly backgroundEnergy = new Float64Array(MAX_BLOBS);
  /** Per blob: the mean unrest of its marked cells (see BackgroundLayers.unrest). */
  readonly unrest = new Float64Array(MAX_BLOBS);
  private readonly grown: Uint8Array;
  private readonly label: Int32Array;
  private readonly queue: Int32Array;

  constructor(private readonly grid: WorkGrid) {
    const n = grid.width * grid.height;
    this.grown = new Uint8Array(n);
    this.label = new Int32Array(n);
    this.queue = new Int32Array(n);
  }

  /** Finds the blobs of `marked` with at least `minCells` marked cells. */
  find(
    marked: Uint8Array,
    frameEnergy: Float32Array,
    backgroundEnergy: Float32Array,
    unrest: Float32Array,
    minCells: number,
  ): void {
    const { width, height } = this.grid;
    this.dilate(marked);
    const { grown, label, queue } = this;
    label.fill(-1);
    this.count = 0;
    for (let start = 0; start < grown.length; start++) {
      if (grown[start] === 0 || (label[start] as number) >= 0) continue;
      const b = this.count < MAX_BLOBS ? this.count : MAX_BLOBS - 1;
      let head = 0;
      let tail = 0;
      queue[tail++] = start;
      label[start] = b;
      let x0 = width;
      let y0 = height;
      let x1 = -1;
      let y1 = -1;
      let cells = 0;
      let fe = 0;
      let be = 0;
      let ur = 0;
      while (head < tail) {
        const i = queue[head++] as number;
        const x = i % width;
        const y = (i - x) / width;
        if (marked[i] === 1) {
          cells += 1;
          fe += frameEnergy[i] as number;
          be += backgroundEnergy[i] as number;
          ur += unrest[i] as number;
          if (x < x0) x0 = x;
          if (x > x1) x1 = x;
          if (y < y0) y0 = y;
          if (y > y1) y1 = y;
        }
        for (let ny = Math.max(0, y - 1); ny <= Math.min(height - 1, y + 1); ny++) {
          for (let nx = Math.max(0, x - 1); nx <= Math.min(width - 1, x + 1); nx++) {
            const j = ny * width + nx;
            if (grown[j] === 1 && (label[j] as number) < 0) {
              label[j] = b;
              queue[tail++] = j;
            }
          }
        }
      }
      if (cells < minCells || this.count >= MAX_BLOBS) continue;
      this.minX[b] = x0;
      this.minY[b] = y0;
      this.maxX[b] = x1;
      this.maxY[b] = y1;
      this.cells[b] = cells;
      this.frameEnergy[b] = fe;
      this.backgroundEnergy[b] = be;
      this.unrest[b] = ur / cells;
      this.count += 1;
    }
  }

  /** `grown` = `marked` dilated by GAP_CELLS / 2 cells, rounded up. */
  private dilate(marked: Uint8Array): void {
    const { width, height } = this.grid;
    const grown = this.grown;
    const r = Math.ceil(GAP_CELLS / 2);
    grown.fill(0);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        if (marked[y * width + x] !== 1) continue;
        for (let ny = Math.max(0, y - r); ny <= Math.min(height - 1, y + r); ny++) {
          for (let nx = Math.max(0, x - r); nx <= Math.min(width - 1, x + r); nx++)
            grown[ny * width + nx] = 1;
        }
      }
    }
  }
}
