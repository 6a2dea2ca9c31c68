import {
  bottomCentre,
  type Point,
  segmentsIntersect,
  sideOfLine,
} from '../../foundation/geometry/image-plane.ts';
import type { Box } from '../../foundation/media/frame.ts';
import type { TrackedInput } from './zone-presence.ts';

export type CrossingDirection = 'a_to_b' | 'b_to_a';

export interface LineCrossingOptions {
  /**
   * The counting line in frame PIXELS (the config's normalised line times the frame size). Side A
   * is the left of the line looking from line[0] towards line[1] on screen (y down), side B its
   * right: `sideOfLine` -1 and 1, as the line-crossing scenario's schema documents.
   */
  line: readonly [Point, Point];
  /** Labels counted; objects with other labels are ignored. */
  labels: readonly string[];
  /** Which crossings are reported and counted. */
  direction: 'any' | CrossingDirection;
  /**
   * Hysteresis: a point closer to the line than this (pixels) is on neither side, so a foot point
   * jittering on the line is not a crossing each frame. Default: 2% of the line's length, at
   * least 2 px.
   */
  minDistancePx?: number;
  /** A track not seen for longer than this (seconds) is forgotten: if it comes back, it starts afresh. */
  forgetSeconds?: number;
}

export interface Crossing {
  trackId: number;
  label: string;
  /** The object's score on the frame it got clear of the line. */
  score: number;
  direction: CrossingDirection;
  /** The `time` of the update in which the object reached the far side. */
  time: number;
  box: Box;
}

interface TrackState {
  /** Last side the track was clearly on: -1 (A), 1 (B), or 0 before it was clearly on either. */
  side: -1 | 0 | 1;
  /** Whether its path touched the line SEGMENT since it was last clearly on `side`. */
  touched: boolean;
  x: number;
  y: number;
  lastSeen: number;
}

const DEFAULT_FORGET_SECONDS = 5;

/**
 * Counts objects crossing a line segment, by their bottom-centre (foot) point.
 *
 * A crossing is counted when a track that was clearly on one side (at least `minDistancePx` from
 * the line) is next clearly on the other side, and its path in between — the straight steps
 * between its points frame by frame — met the line segment itself. Walking round the end of the
 * line therefore counts nothing, and neither does hovering on it: the side only changes once the
 * point is clear of the line, so a track counts once per real crossing, in each direction.
 */
export class LineCrossingCounter {
  private readonly a: Point;
  private readonly b: Point;
  private readonly length: number;
  private readonly labels: ReadonlySet<string>;
  private readonly direction: LineCrossingOptions['direction'];
  private readonly minDistance: number;
  private readonly forgetSeconds: number;
  private readonly tracks = new Map<number, TrackState>();
  private aToB = 0;
  private bToA = 0;
  // Scratch points for the per-frame tests (no allocation per object).
  private readonly previous: [number, number] = [0, 0];
  private readonly current: [number, number] = [0, 0];

  constructor(options: LineCrossingOptions) {
    const [a, b] = options.line;
    this.a = [a[0], a[1]];
    this.b = [b[0], b[1]];
    this.length = Math.hypot(b[0] - a[0], b[1] - a[1]);
    if (!(this.length > 0)) {
      throw new RangeError('line crossing: the two ends of the line are the same point');
    }
    this.labels = new Set(options.labels);
    this.direction = options.direction;
    this.minDistance = options.minDistancePx ?? Math.max(2, 0.02 * this.length);
    this.forgetSeconds = options.forgetSeconds ?? DEFAULT_FORGET_SECONDS;
    if (!(this.minDistance >= 0)) throw new RangeError('line crossing: minDistancePx must be at least 0');
    if (!(this.forgetSeconds > 0)) throw new RangeError('line crossing: forgetSeconds must be above 0');
  }

  /** Crossings so far, by direction (only those the direction option lets through). */
  counts(): { aToB: number; bToA: number } {
    return { aToB: this.aToB, bToA: this.bToA };
  }

  /** Feeds one frame's tracked objects (frame pixels) at `time` seconds; returns its new crossings. */
  update(tracked: readonly TrackedInput[], time: number): Crossing[] {
    for (const [id, state] of this.tracks) {
      if (time - state.lastSeen > this.forgetSeconds) this.tracks.delete(id);
    }
    const crossings: Crossing[] = [];
    for (const object of tracked) {
      if (!this.labels.has(object.label)) continue;
      const direction = this.observe(object, time);
      if (direction === undefined || !this.wanted(direction)) continue;
      if (direction === 'a_to_b') this.aToB += 1;
      else this.bToA += 1;
      crossings.push({
        trackId: object.id,
        label: object.label,
        score: object.score,
        direction,
        time,
        box: [object.box[0], object.box[1], object.box[2], object.box[3]],
      });
    }
    return crossings;
  }

  /** Moves the track to its new point; returns the direction when this step completed a crossing. */
  private observe(object: TrackedInput, time: number): CrossingDirection | undefined {
    const point = bottomCentre(object.box, this.current);
    const side = this.clearSide(point);
    let state = this.tracks.get(object.id);
    if (!state) {
      state = { side, touched: false, x: point[0], y: point[1], lastSeen: time };
      this.tracks.set(object.id, state);
      return undefined;
    }
    this.previous[0] = state.x;
    this.previous[1] = state.y;
    if (segmentsIntersect(this.previous, point, this.a, this.b)) state.touched = true;
    state.x = point[0];
    state.y = point[1];
    state.lastSeen = time;
    if (side === 0) return undefined;
    const from = state.side;
    const crossed = from !== 0 && side !== from && state.touched;
    state.side = side;
    state.touched = false;
    if (!crossed) return undefined;
    return from === -1 ? 'a_to_b' : 'b_to_a';
  }

  /** -1 (side A) or 1 (side B) when the point is at least minDistance from the line, else 0. */
  private clearSide(point: Point): -1 | 0 | 1 {
    const [ax, ay] = this.a;
    const [bx, by] = this.b;
    const distance = Math.abs((bx - ax) * (point[1] - ay) - (by - ay) * (point[0] - ax)) / this.length;
    if (distance < this.minDistance) return 0;
    return sideOfLine(point, this.a, this.b);
  }

  private wanted(direction: CrossingDirection): boolean {
    return this.direction === 'any' || this.direction === direction;
  }
}
