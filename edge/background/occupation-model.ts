import type { Box } from '../../foundation/media/frame.ts';
import type { FrameContext } from '../rules/scenario-rule.ts';
import { BackgroundLayers, type LayerOptions } from './background-layers.ts';
import { ChangeBlobs } from './change-blobs.ts';
import { gradients, logGrey, type WorkGrid, workGrid } from './grey-features.ts';
import type { OccupationRegion, OccupationSource } from './occupation-source.ts';
import { RegionTracker, type RegionTrackerOptions, type TrackedRegion } from './region-tracker.ts';

export interface OccupationModelOptions extends LayerOptions, RegionTrackerOptions {
  /** The work grid is at most this many cells wide (the analysed frame shrunk by a whole factor). */
  maxWidth: number;
  /** A blob of still change needs this many cells to be a region. */
  minCells: number;
  /** A region is reported once it has stayed this long. */
  confirmSeconds: number;
  /** Still change too small to be a region is taken into the background after this long. */
  absorbSeconds: number;
  /** Tracked objects of these labels hide what is behind them: no learning, no regions there. */
  coverLabels: readonly string[];
  /** Each side of a tracked box grows by this share of its size (shadows, loose boxes). */
  coverMargin: number;
  /** Cells stay covered this long after a tracked box has left them (a missed detection or two). */
  coverHoldSeconds: number;
}

export const DEFAULT_OCCUPATION_MODEL: Readonly<OccupationModelOptions> = Object.freeze({
  maxWidth: 256,
  shortSeconds: 2,
  longSeconds: 120,
  learnSeconds: 4,
  threshold: 10,
  minCells: 12,
  confirmSeconds: 2,
  absorbSeconds: 20,
  graceSeconds: 3,
  maxHiddenSeconds: 120,
  unrestSeconds: 60,
  maxUnrest: 3,
  coverLabels: Object.freeze(['person', 'bicycle', 'car', 'motorcycle', 'bus', 'truck', 'train']),
  coverMargin: 0.15,
  coverHoldSeconds: 3,
});

/** The buffers of one frame size, reused from frame to frame. */
interface GridState {
  frameWidth: number;
  frameHeight: number;
  grid: WorkGrid;
  layers: BackgroundLayers;
  blobs: ChangeBlobs;
  tracker: RegionTracker;
  grey: Float32Array;
  gx: Float32Array;
  gy: Float32Array;
  coveredUntil: Float64Array;
  covered: Uint8Array;
  /** Cells in the camera's masks: always covered. */
  masked: Uint8Array;
  inRegion: Uint8Array;
}

/**
 * One camera's background model (see BackgroundLayers): it takes each frame once, whatever number
 * of rules ask on that frame, and reports the regions that changed and stayed, whatever they are.
 * Pure: frames and time come in, nothing is read or written elsewhere.
 */
export class OccupationModel implements OccupationSource {
  private state: GridState | undefined;
  private lastTime = Number.NaN;
  private reported: OccupationRegion[] = [];

  /**
   * `masked(x, y)`: whether a point of the analysed frame is in the camera's masks (parts of the
   * view that move by themselves: trees, flags, barrier tape, a screen): nothing there is learned
   * or reported.
   */
  constructor(
    private readonly options: Readonly<OccupationModelOptions> = DEFAULT_OCCUPATION_MODEL,
    private readonly masked: (x: number, y: number) => boolean = () => false,
  ) {}

  regions(context: FrameContext): readonly OccupationRegion[] {
    if (context.time !== this.lastTime) {
      this.lastTime = context.time;
      this.update(context);
    }
    return this.reported;
  }

  private update({ frame, time, tracked }: FrameContext): void {
    const state = this.stateFor(frame.width, frame.height);
    const { grid, layers, blobs, tracker } = state;
    logGrey(frame, grid, state.grey);
    gradients(state.grey, grid, state.gx, state.gy);
    this.cover(state, tracked, time);
    layers.update(time, state.gx, state.gy, state.covered);
    blobs.find(
      layers.still,
      layers.frameEnergy,
      layers.backgroundEnergy,
      layers.unrest,
      this.options.minCells,
    );
    tracker.update(blobs, time, (r) => hiddenShare(r, layers.hidden, grid.width));
    for (const r of tracker.flipped) absorbBox(r, layers, grid.width);
    this.absorbLeftovers(state, time);
    const { confirmSeconds } = this.options;
    this.reported = tracker.regions
      .filter((r) => time - r.since >= confirmSeconds)
      .map((r) => toReported(r, grid.factor));
  }

  private cover(state: GridState, tracked: FrameContext['tracked'], time: number): void {
    const { grid, coveredUntil, covered } = state;
    const { coverLabels, coverMargin, coverHoldSeconds } = this.options;
    const until = time + coverHoldSeconds;
    for (const object of tracked) {
      if (!coverLabels.includes(object.label)) continue;
      const [x1, y1, x2, y2] = object.box;
      const mx = (x2 - x1) * coverMargin;
      const my = (y2 - y1) * coverMargin;
      const cx0 = Math.max(0, Math.floor((x1 - mx) / grid.factor));
      const cy0 = Math.max(0, Math.floor((y1 - my) / grid.factor));
      const cx1 = Math.min(grid.width - 1, Math.ceil((x2 + mx) / grid.factor));
      const cy1 = Math.min(grid.height - 1, Math.ceil((y2 + my) / grid.factor));
      for (let y = cy0; y <= cy1; y++) {
        for (let x = cx0; x <= cx1; x++) coveredUntil[y * grid.width + x] = until;
      }
    }
    const { masked } = state;
    for (let i = 0; i < covered.length; i++)
      covered[i] = masked[i] === 1 || (coveredUntil[i] as number) >= time ? 1 : 0;
  }

  /** Still change outside every region, older than `absorbSeconds`, becomes background. */
  private absorbLeftovers(state: GridState, time: number): void {
    const { grid, layers, inRegion } = state;
    inRegion.fill(0);
    for (const r of state.tracker.regions) {
      for (let y = r.y0; y <= r.y1; y++) inRegion.fill(1, y * grid.width + r.x0, y * grid.width + r.x1 + 1);
    }
    const { absorbSeconds } = this.options;
    for (let i = 0; i < inRegion.length; i++) {
      if (layers.still[i] === 1 && inRegion[i] === 0 && layers.stillFor(i, time) >= absorbSeconds)
        layers.absorb(i);
    }
  }

  private stateFor(frameWidth: number, frameHeight: number): GridState {
    const current = this.state;
    if (current && current.frameWidth === frameWidth && current.frameHeight === frameHeight) return current;
    const grid = workGrid(frameWidth, frameHeight, this.options.maxWidth);
    const n = grid.width * grid.height;
    const masked = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const x = i % grid.width;
      masked[i] = this.masked((x + 0.5) * grid.factor, ((i - x) / grid.width + 0.5) * grid.factor) ? 1 : 0;
    }
    this.state = {
      frameWidth,
      frameHeight,
      grid,
      layers: new BackgroundLayers(grid, this.options),
      blobs: new ChangeBlobs(grid),
      tracker: new RegionTracker(this.options),
      grey: new Float32Array(n),
      gx: new Float32Array(n),
      gy: new Float32Array(n),
      coveredUntil: new Float64Array(n).fill(Number.NEGATIVE_INFINITY),
      covered: new Uint8Array(n),
      masked,
      inRegion: new Uint8Array(n),
    };
    return this.state;
  }
}

function absorbBox(r: TrackedRegion, layers: BackgroundLayers, width: number): void {
  for (let y = r.y0; y <= r.y1; y++) {
    for (let x = r.x0; x <= r.x1; x++) layers.absorb(y * width + x);
  }
}

function hiddenShare(r: TrackedRegion, hidden: Uint8Array, width: number): number {
  let count = 0;
  for (let y = r.y0; y <= r.y1; y++) {
    for (let x = r.x0; x <= r.x1; x++) count += hidden[y * width + x] as number;
  }
  return count / ((r.x1 - r.x0 + 1) * (r.y1 - r.y0 + 1));
}

function toReported(r: TrackedRegion, factor: number): OccupationRegion {
  const box: Box = [r.x0 * factor, r.y0 * factor, (r.x1 + 1) * factor, (r.y1 + 1) * factor];
  return { id: r.id, box, fill: r.fill, kind: r.kind, since: r.since, lastSeen: r.lastSeen };
}
