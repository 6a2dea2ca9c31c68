import type { ChangeBlobs } from './change-blobs.ts';

/** A region as the tracker keeps it, in grid cells (box inclusive). */
export interface TrackedRegion {
  id: number;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  /** Changed cells over the box's cells, when last matched. */
  fill: number;
  kind: 'placed' | 'removed';
  since: number;
  lastSeen: number;
  /** The most cells it has had: a much smaller blob is the region partly hidden, not shrunk. */
  maxCells: number;
  /** Frames in a row its whole blob has read as the other kind. */
  otherKind: number;
}

export interface RegionTrackerOptions {
  /** A region not seen for this long (and not hidden behind something) has gone. */
  graceSeconds: number;
  /** A region hidden for longer than this has gone too (it cannot be told from the background). */
  maxHiddenSeconds: number;
  /** A blob whose cells have flipped more than this lately is the street moving, not a new region. */
  maxUnrest: number;
}

/** A blob continues a region when their boxes share this much of the smaller one's area. */
const MATCH_OVERLAP = 0.3;
/** A region counts as hidden when this share of its box is covered or moving: too little shows to tell it has gone. */
const HIDDEN_SHARE = 0.5;
/** A region with this share of its box hidden is only partly visible: its box does not shrink. */
const HIDDEN_PART = 0.05;
/** A region with this share of its box inside an older region's box is the same thing twice. */
const DUPLICATE_SHARE = 0.5;
/**
 * A placed region whose blob reads as removed this many frames in a row is the thing gone and
 * the street behind it, which the background had not learned yet (it was busy): it ends, and its
 * cells are learned as they are now.
 */
const KIND_FLIP_FRAMES = 3;
/** A blob this much smaller than the region (in cells) is the region partly hidden: its box is kept. */
const PARTIAL_SHARE = 0.6;

/**
 * Follows blobs of still change from frame to frame as regions with a stable id: a region
 * continues while a blob overlaps it, survives being hidden by passers-by, and ends once it has
 * not been seen for `graceSeconds` with nothing in front of it.
 */
export class RegionTracker {
  private readonly live: TrackedRegion[] = [];
  private nextId = 1;
  private readonly matched: TrackedRegion[] = [];
  /** Regions ended on this frame because what they were has gone (see KIND_FLIP_FRAMES). */
  readonly flipped: TrackedRegion[] = [];

  constructor(private readonly options: RegionTrackerOptions) {}

  get regions(): readonly TrackedRegion[] {
    return this.live;
  }

  /** `hiddenShare(region)`: the share of its box covered by tracked objects or moving now. */
  update(blobs: ChangeBlobs, time: number, hiddenShare: (r: TrackedRegion) => number): void {
    const matched = this.matched;
    matched.length = 0;
    this.flipped.length = 0;
    for (let b = 0; b < blobs.count; b++) {
      const region = this.bestRegion(blobs, b);
      const cells = blobs.cells[b] as number;
      const x0 = blobs.minX[b] as number;
      const y0 = blobs.minY[b] as number;
      const x1 = blobs.maxX[b] as number;
      const y1 = blobs.maxY[b] as number;
      const kind: TrackedRegion['kind'] =
        (blobs.frameEnergy[b] as number) >= (blobs.backgroundEnergy[b] as number) ? 'placed' : 'removed';
      const fill = cells / ((x1 - x0 + 1) * (y1 - y0 + 1));
      if (!region) {
        if ((blobs.unrest[b] as number) > this.options.maxUnrest) continue;
        const created: TrackedRegion = {
          id: this.nextId++,
          x0,
          y0,
          x1,
          y1,
          fill,
          kind,
          since: time,
          lastSeen: time,
          maxCells: cells,
          otherKind: 0,
        };
        this.live.push(created);
        matched.push(created);
        continue;
      }
      if (matched.includes(region)) {
        // A second blob of the same region (it came apart): the box covers both.
        region.x0 = Math.min(region.x0, x0);
        region.y0 = Math.min(region.y0, y0);
        region.x1 = Math.max(region.x1, x1);
        region.y1 = Math.max(region.y1, y1);
        region.maxCells = Math.max(region.maxCells, cells);
        continue;
      }
      if ((blobs.unrest[b] as number) > this.options.maxUnrest) {
        // It has kept flipping since: the street moving (tape, a flag), not something that stays.
        this.live.splice(this.live.indexOf(region), 1);
        continue;
      }
      matched.push(region);
      region.lastSeen = time;
      const partlyHidden = hiddenShare(region) > HIDDEN_PART;
      if (!partlyHidden && region.kind === 'placed') {
        region.otherKind = kind === region.kind ? 0 : region.otherKind + 1;
        if (region.otherKind >= KIND_FLIP_FRAMES) {
          this.live.splice(this.live.indexOf(region), 1);
          this.flipped.push(region);
          continue;
        }
      }
      if (partlyHidden) {
        // Partly behind a passer-by: what shows is a part of it, not all of it.
        region.x0 = Math.min(region.x0, x0);
        region.y0 = Math.min(region.y0, y0);
        region.x1 = Math.max(region.x1, x1);
        region.y1 = Math.max(region.y1, y1);
      } else if (cells >= PARTIAL_SHARE * region.maxCells) {
        region.x0 = x0;
        region.y0 = y0;
        region.x1 = x1;
        region.y1 = y1;
        region.fill = fill;
      }
      region.maxCells = Math.max(region.maxCells, cells);
    }
    this.dropGone(time, hiddenShare);
    this.dropDuplicates();
  }

  private dropDuplicates(): void {
    for (let k = this.live.length - 1; k >= 0; k--) {
      const young = this.live[k] as TrackedRegion;
      const area = (young.x1 - young.x0 + 1) * (young.y1 - young.y0 + 1);
      const older = this.live.some(
        (r) =>
          r.since < young.since &&
          overlapCells(r, young.x0, young.y0, young.x1, young.y1) >= DUPLICATE_SHARE * area,
      );
      if (older) this.live.splice(k, 1);
    }
  }

  /** The oldest live region whose box shares enough with blob `b`'s box. */
  private bestRegion(blobs: ChangeBlobs, b: number): TrackedRegion | undefined {
    const bx0 = blobs.minX[b] as number;
    const by0 = blobs.minY[b] as number;
    const bx1 = blobs.maxX[b] as number;
    const by1 = blobs.maxY[b] as number;
    const blobArea = (bx1 - bx0 + 1) * (by1 - by0 + 1);
    let best: TrackedRegion | undefined;
    for (const r of this.live) {
      const shared = overlapCells(r, bx0, by0, bx1, by1);
      if (shared === 0) continue;
      const regionArea = (r.x1 - r.x0 + 1) * (r.y1 - r.y0 + 1);
      if (shared / Math.min(blobArea, regionArea) < MATCH_OVERLAP) continue;
      if (!best || r.since < best.since) best = r;
    }
    return best;
  }

  private dropGone(time: number, hiddenShare: (r: TrackedRegion) => number): void {
    const { graceSeconds, maxHiddenSeconds } = this.options;
    for (let k = this.live.length - 1; k >= 0; k--) {
      const r = this.live[k] as TrackedRegion;
      const unseen = time - r.lastSeen;
      if (unseen <= graceSeconds) continue;
      if (unseen <= maxHiddenSeconds && hiddenShare(r) >= HIDDEN_SHARE) continue;
      this.live.splice(k, 1);
    }
  }
}

/** Cells shared by the region's box and the box x0..x1 × y0..y1 (inclusive). */
function overlapCells(r: TrackedRegion, x0: number, y0: number, x1: number, y1: number): number {
  const w = Math.min(r.x1, x1) - Math.max(r.x0, x0) + 1;
  const h = Math.min(r.y1, y1) - Math.max(r.y0, y0) + 1;
  return w > 0 && h > 0 ? w * h : 0;
}
