import { TRACKER_SCORE_DEFAULTS } from '../../foundation/edge-config/camera-defaults.ts';
import type { Box } from '../../foundation/media/frame.ts';
import type { Rect } from '../detect/nms.ts';
import { iou } from '../detect/nms.ts';
import type { Detection } from '../detect/types.ts';
import { KalmanBox, type KalmanBoxOptions } from './kalman-box.ts';
import { LinearAssignmentSolver } from './linear-assignment.ts';

export type TrackState = 'tentative' | 'confirmed' | 'lost';

/** One tracked object as of the latest `update`: a snapshot the tracker does not change later. */
export interface TrackedObject {
  /** Stable for the object's life; ids increase and are never reused. */
  id: number;
  /** The label seen most often among the detections matched to this track. */
  label: string;
  classId: number;
  /** Score of the latest matched detection. */
  score: number;
  /** The latest matched detection's box, or the motion prediction while unmatched (`predicted`). */
  box: Box;
  state: TrackState;
  /** Detections matched to this track so far. */
  hits: number;
  /** Times (seconds, as passed to `update`) of the first and latest matched detection. */
  firstSeen: number;
  lastSeen: number;
  /** Velocity of the box centre in pixels per second, from the motion model. */
  velocity: [number, number];
  /** True when `box` is a motion prediction because no detection matched this frame. */
  predicted: boolean;
}

export interface TrackerOptions {
  /** Detections scoring at least this are "high": they take part in the first association. */
  highScore: number;
  /** Detections from here up to `highScore` are "low": they can only keep existing tracks alive. */
  lowScore: number;
  /** An unmatched high detection starts a track only from this score. */
  newTrackScore: number;
  /** Minimum IoU (predicted track box vs detection) to match a high detection to a confirmed or lost track. */
  matchIou: number;
  /** Minimum IoU to match a low detection to a track that missed its high one. */
  lowScoreMatchIou: number;
  /** Minimum IoU to match a high detection to a tentative track. */
  tentativeMatchIou: number;
  /** Consecutive matches (the first detection included) that confirm a track. */
  minHits: number;
  /** How long a confirmed track that lost its object is kept, predicted, to be found again. */
  trackBufferSeconds: number;
  /**
   * Labels that may match each other's tracks, because the detector flips between them for one
   * object (e.g. `[['car', 'truck', 'bus']]`). Labels in no group only match themselves.
   */
  labelGroups: readonly (readonly string[])[];
  /** Noise settings of the constant-velocity motion model. */
  motion: Partial<KalmanBoxOptions>;
}

export const DEFAULT_TRACKER_OPTIONS: Readonly<TrackerOptions> = {
  ...TRACKER_SCORE_DEFAULTS,
  matchIou: 0.2,
  lowScoreMatchIou: 0.5,
  tentativeMatchIou: 0.3,
  minHits: 2,
  trackBufferSeconds: 3,
  labelGroups: [],
  motion: {},
};

/** COCO's road vehicles, which NanoDet-class detectors often confuse with each other. */
export const COCO_VEHICLE_GROUP: readonly string[] = ['car', 'truck', 'bus'];

interface LabelVote {
  count: number;
  classId: number;
}

class Track {
  state: TrackState;
  hits = 1;
  readonly firstSeen: number;
  lastSeen: number;
  /** Time the motion model's state refers to. */
  time: number;
  score: number;
  label: string;
  classId: number;
  /** Latest matched box, or the prediction when `predicted`. */
  readonly box: Box;
  predicted = false;
  /** Predicted box for this frame's association, as a Rect for `iou`. */
  readonly rect: Rect = { x1: 0, y1: 0, x2: 0, y2: 0 };
  readonly motion: KalmanBox;
  /** Label votes; small (labels of one group at most). */
  private readonly votes = new Map<string, LabelVote>();

  constructor(
    readonly id: number,
    readonly group: string,
    detection: Detection,
    time: number,
    motion: Partial<KalmanBoxOptions>,
    confirmed: boolean,
  ) {
    this.state = confirmed ? 'confirmed' : 'tentative';
    this.firstSeen = time;
    this.lastSeen = time;
    this.time = time;
    this.score = detection.score;
    this.label = detection.label;
    this.classId = detection.classId;
    this.box = [...detection.box];
    this.motion = new KalmanBox(detection.box, motion);
    this.votes.set(detection.label, { count: 1, classId: detection.classId });
  }

  /** Moves the motion model to `time` and refreshes the box used for association. */
  predict(time: number): void {
    this.motion.predict(time - this.time);
    this.time = time;
    const [x1, y1, x2, y2] = this.motion.box(this.box);
    this.rect.x1 = x1;
    this.rect.y1 = y1;
    this.rect.x2 = x2;
    this.rect.y2 = y2;
    this.predicted = true;
  }

  match(detection: Detection, time: number): void {
    this.motion.update(detection.box);
    const [x1, y1, x2, y2] = detection.box;
    this.box[0] = x1;
    this.box[1] = y1;
    this.box[2] = x2;
    this.box[3] = y2;
    this.predicted = false;
    this.score = detection.score;
    this.lastSeen = time;
    this.hits += 1;
    const vote = this.votes.get(detection.label);
    if (vote) {
      vote.count += 1;
      vote.classId = detection.classId;
    } else {
      this.votes.set(detection.label, { count: 1, classId: detection.classId });
    }
    // The most frequent label wins; a tie keeps the current one, so the label does not flicker.
    let best = this.label;
    let bestCount = this.votes.get(best)?.count ?? 0;
    for (const [label, v] of this.votes) {
      if (v.count > bestCount) {
        best = label;
        bestCount = v.count;
      }
    }
    this.label = best;
    this.classId = this.votes.get(best)?.classId ?? this.classId;
  }

  snapshot(): TrackedObject {
    return {
      id: this.id,
      label: this.label,
      classId: this.classId,
      score: this.score,
      box: [...this.box],
      state: this.state,
      hits: this.hits,
      firstSeen: this.firstSeen,
      lastSeen: this.lastSeen,
      velocity: [this.motion.vx, this.motion.vy],
      predicted: this.predicted,
    };
  }
}

/**
 * Multi-object tracker after ByteTrack (Zhang et al., 2022): high-score detections are matched
 * first to confirmed and lost tracks, then low-score ones rescue tracks that missed their high
 * match (an occluded or blurred object scores low, but is still there), then tentative tracks
 * take what high detections remain. Matching is by IoU against a constant-velocity prediction,
 * solved optimally, and only within a label group.
 *
 * Pure: time comes in with each `update` (seconds, non-decreasing), so frames may be irregular or
 * skipped, and replaying the same input gives the same ids.
 */
export class ByteTracker {
  readonly options: Readonly<TrackerOptions>;
  private tracks: Track[] = [];
  private nextId = 1;
  private lastTime = Number.NEGATIVE_INFINITY;
  private readonly groupOf = new Map<string, string>();
  private readonly solver = new LinearAssignmentSolver();
  private cost = new Float64Array(64);
  private snapshots: readonly TrackedObject[] = [];

  // Per-frame work lists, reused.
  private readonly rects: Rect[] = [];
  private readonly high: number[] = [];
  private readonly low: number[] = [];
  private readonly pool: Track[] = [];
  private readonly unmatchedTracks: Track[] = [];
  private readonly unmatchedDetections: number[] = [];
  private readonly remainingHigh: number[] = [];
  private readonly matched = new Set<Track>();

  constructor(options: Partial<TrackerOptions> = {}) {
    this.options = { ...DEFAULT_TRACKER_OPTIONS, ...options };
    const { highScore, lowScore, newTrackScore, minHits, trackBufferSeconds } = this.options;
    if (!(lowScore <= highScore)) throw new RangeError(`lowScore ${lowScore} exceeds highScore ${highScore}`);
    if (!(newTrackScore >= highScore)) {
      throw new RangeError(`newTrackScore ${newTrackScore} is below highScore ${highScore}`);
    }
    if (!Number.isInteger(minHits) || minHits < 1) {
      throw new RangeError(`minHits must be >= 1, got ${minHits}`);
    }
    if (!(trackBufferSeconds >= 0)) throw new RangeError(`trackBufferSeconds must be >= 0`);
    this.options.labelGroups.forEach((group, index) => {
      for (const label of group) this.groupOf.set(label, `\u0000group ${index}`);
    });
  }

  /**
   * Every track held, tentative and lost ones included, ordered by id, as of the latest `update`.
   * Lost tracks stay here, with predicted boxes, until `trackBufferSeconds` after they were last seen.
   */
  get allTracks(): readonly TrackedObject[] {
    return this.snapshots;
  }

  /**
   * Takes one frame's detections at `timeSeconds` and returns the confirmed tracks matched in this
   * frame, ordered by id. Lost and tentative tracks are only in `allTracks`.
   */
  update(detections: readonly Detection[], timeSeconds: number): TrackedObject[] {
    if (!Number.isFinite(timeSeconds)) throw new RangeError(`time must be finite, got ${timeSeconds}`);
    if (timeSeconds < this.lastTime) {
      throw new RangeError(`time went back from ${this.lastTime} s to ${timeSeconds} s`);
    }
    this.lastTime = timeSeconds;
    const o = this.options;

    // Forget lost tracks past the buffer; predict the rest to now.
    this.tracks = this.tracks.filter(
      (t) => t.state !== 'lost' || timeSeconds - t.lastSeen <= o.trackBufferSeconds,
    );
    for (const track of this.tracks) track.predict(timeSeconds);
    this.splitDetections(detections);
    this.matched.clear();

    // Stage 1: high detections vs confirmed and lost tracks.
    this.pool.length = 0;
    for (const t of this.tracks) if (t.state !== 'tentative') this.pool.push(t);
    this.associate(this.pool, this.high, detections, o.matchIou, timeSeconds);
    const remainingHigh = this.remainingHigh;
    remainingHigh.length = 0;
    remainingHigh.push(...this.unmatchedDetections);

    // Stage 2: low detections vs the tracks that were being followed and missed their high match.
    // (Lost tracks are left out, as in ByteTrack: a low score far from the last sighting is more
    // likely background than the object.)
    this.pool.length = 0;
    for (const t of this.unmatchedTracks) if (t.state === 'confirmed') this.pool.push(t);
    this.associate(this.pool, this.low, detections, o.lowScoreMatchIou, timeSeconds);

    // Stage 3: tentative tracks vs the high detections still unmatched.
    this.pool.length = 0;
    for (const t of this.tracks) if (t.state === 'tentative') this.pool.push(t);
    this.associate(this.pool, remainingHigh, detections, o.tentativeMatchIou, timeSeconds);

    // Matched tracks advance; unmatched ones are lost, or dropped while still tentative.
    const kept: Track[] = [];
    for (const track of this.tracks) {
      if (this.matched.has(track)) {
        if (track.state === 'lost' || (track.state === 'tentative' && track.hits >= o.minHits)) {
          track.state = 'confirmed';
        }
      } else if (track.state === 'tentative') {
        continue;
      } else if (track.state === 'confirmed') {
        track.state = 'lost';
        track.motion.freezeSize();
      }
      kept.push(track);
    }

    // New tracks from the confident detections nobody claimed.
    for (const k of this.unmatchedDetections) {
      const d = detections[k] as Detection;
      const [x1, y1, x2, y2] = d.box;
      if (d.score < o.newTrackScore || !(x2 > x1 && y2 > y1)) continue;
      const track = new Track(
        this.nextId++,
        this.groupOf.get(d.label) ?? d.label,
        d,
        timeSeconds,
        o.motion,
        o.minHits <= 1,
      );
      kept.push(track);
      this.matched.add(track);
    }
    this.tracks = kept;

    const seen: TrackedObject[] = [];
    this.snapshots = this.tracks.map((track) => {
      const s = track.snapshot();
      if (track.state === 'confirmed' && this.matched.has(track)) seen.push(s);
      return s;
    });
    return seen;
  }

  /** Sorts detection indices into `high` and `low`, and their boxes into `rects`. */
  private splitDetections(detections: readonly Detection[]): void {
    const { highScore, lowScore } = this.options;
    this.high.length = 0;
    this.low.length = 0;
    while (this.rects.length < detections.length) this.rects.push({ x1: 0, y1: 0, x2: 0, y2: 0 });
    detections.forEach((d, k) => {
      const r = this.rects[k] as Rect;
      [r.x1, r.y1, r.x2, r.y2] = d.box;
      if (d.score >= highScore) this.high.push(k);
      else if (d.score >= lowScore) this.low.push(k);
    });
  }

  /**
   * Optimal IoU matching of `tracks` to the detections `candidates` (indices), within label
   * groups and at `minIou` or better. Matches are applied; what is left goes to
   * `unmatchedTracks` and `unmatchedDetections`.
   */
  private associate(
    tracks: readonly Track[],
    candidates: readonly number[],
    detections: readonly Detection[],
    minIou: number,
    time: number,
  ): void {
    const rows = tracks.length;
    const cols = candidates.length;
    if (this.cost.length < rows * cols) this.cost = new Float64Array(rows * cols * 2);
    const cost = this.cost;
    tracks.forEach((track, i) => {
      candidates.forEach((k, j) => {
        const d = detections[k] as Detection;
        const sameGroup = (this.groupOf.get(d.label) ?? d.label) === track.group;
        cost[i * cols + j] = sameGroup
          ? 1 - iou(track.rect, this.rects[k] as Rect)
          : Number.POSITIVE_INFINITY;
      });
    });
    this.solver.solve(cost, rows, cols, 1 - minIou);
    this.unmatchedTracks.length = 0;
    this.unmatchedDetections.length = 0;
    tracks.forEach((track, i) => {
      const j = this.solver.rowToCol[i] as number;
      if (j < 0) {
        this.unmatchedTracks.push(track);
        return;
      }
      track.match(detections[candidates[j] as number] as Detection, time);
      this.matched.add(track);
    });
    candidates.forEach((k, j) => {
      if ((this.solver.colToRow[j] as number) < 0) this.unmatchedDetections.push(k);
    });
  }
}
