import { SUPPRESSION_DEFAULTS } from '../../foundation/edge-config/camera-defaults.ts';
import type { Box, RawImage } from '../../foundation/media/frame.ts';
import { boxCentre, boxIou } from '../../foundation/suppression/box-overlap.ts';
import type { SuppressionRegion } from '../../foundation/suppression/suppression-region.ts';
import type { Detection } from '../detect/types.ts';

export interface SuppressionSettings {
  /** A detection matches a region when its box overlaps the region's this much. */
  matchIou: number;
  /** How far back a matching detection's earlier sightings are looked at to tell whether it moves. */
  motionWindowSeconds: number;
  /** It moves when its centre was, in that window, further than this fraction of its size away. */
  moveFraction: number;
}

export const DEFAULT_SUPPRESSION_SETTINGS: Readonly<SuppressionSettings> = SUPPRESSION_DEFAULTS;

/** The regions a camera applies now, and where it notes that one matched. */
export interface RegionSource {
  /** The camera's regions still in force at `nowMs` (wall clock). */
  regions(cameraId: string, nowMs: number): readonly SuppressionRegion[];
  matched(regionId: string, atMs: number): void;
}

export interface SuppressionFilterOptions {
  cameraId: string;
  /** Wall-clock milliseconds at stream time 0: a match is dated with it. */
  epochMs: number;
  settings: SuppressionSettings;
  source: RegionSource;
}

interface Sighting {
  time: number;
  x: number;
  y: number;
}

/** Detections of a region's label near it, followed from frame to frame. */
interface Trail {
  box: Box;
  /** Its centres within the motion window, oldest first. */
  seen: Sighting[];
}

export interface SuppressionCounters {
  dropped: number;
  /** Matching detections kept because they moved. */
  keptMoving: number;
}

/**
 * Drops detections that a camera's suppression regions say are the false positive operators keep
 * rejecting there: same label, a box on the region (IoU ≥ matchIou), not moving. Detections of
 * the label near each region are followed from frame to frame (nearest first, one to one, so a
 * person passing over the false positive is not confused with it); a matching one whose centre
 * was, within `motionWindowSeconds`, further than `moveFraction` of its size from where it is now
 * is something passing through and is kept. A detection seen for the first time (a still image
 * included) is judged as not moving. Pure: time comes in with each frame.
 */
// A DetectionFilter (edge/pipeline/detection-filter.ts) by shape: the pipeline builds on this folder, not the reverse.
export class SuppressionFilter {
  readonly name = 'suppression';
  readonly counters: SuppressionCounters = { dropped: 0, keptMoving: 0 };
  private readonly trails = new Map<string, Trail[]>();
  private lastTime = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: SuppressionFilterOptions) {}

  filter(frame: RawImage, detections: Detection[], time: number): Detection[] {
    const { cameraId, epochMs, settings, source } = this.options;
    if (time < this.lastTime) this.trails.clear();
    this.lastTime = time;
    const nowMs = epochMs + time * 1000;
    const regions = source.regions(cameraId, nowMs);
    if (regions.length === 0) return detections;
    const dropped = new Set<Detection>();
    for (const region of regions) {
      const box = toPixels(region.box, frame);
      const nearby = detections.filter((d) => d.label === region.label && near(d.box, box));
      const trails = this.follow(region.id, nearby, time);
      for (const [detection, trail] of trails) {
        if (dropped.has(detection) || boxIou(detection.box, box) < settings.matchIou) continue;
        if (moved(trail, detection.box, settings.moveFraction)) {
          this.counters.keptMoving += 1;
          continue;
        }
        dropped.add(detection);
        source.matched(region.id, nowMs);
      }
    }
    this.counters.dropped += dropped.size;
    return dropped.size === 0 ? detections : detections.filter((d) => !dropped.has(d));
  }

  /** Extends the region's trails with this frame's nearby detections; each detection's trail. */
  private follow(regionId: string, nearby: readonly Detection[], time: number): Map<Detection, Trail> {
    const since = time - this.options.settings.motionWindowSeconds;
    const previous = this.trails.get(regionId) ?? [];
    const pairs = nearby.flatMap((d) =>
      previous.map((trail) => ({ d, trail, distance: centreDistance(d.box, trail.box) })),
    );
    pairs.sort((a, b) => a.distance - b.distance);
    const assigned = new Map<Detection, Trail>();
    const taken = new Set<Trail>();
    for (const { d, trail, distance } of pairs) {
      if (assigned.has(d) || taken.has(trail) || distance > MAX_STEP * size(d.box)) continue;
      assigned.set(d, trail);
      taken.add(trail);
    }
    const next: Trail[] = [];
    const result = new Map<Detection, Trail>();
    for (const d of nearby) {
      const [x, y] = boxCentre(d.box);
      const before = assigned.get(d)?.seen.filter((s) => s.time >= since) ?? [];
      const trail = { box: d.box, seen: [...before, { time, x, y }] };
      next.push(trail);
      result.set(d, trail);
    }
    if (next.length > 0) this.trails.set(regionId, next);
    else this.trails.delete(regionId);
    return result;
  }
}

/**
 * The furthest a detection's centre may have gone since the last frame, as a share of its size, to
 * continue the same trail: a person walks about 0.2 of their height a frame at 5 fps, while a
 * passer-by taken for the false positive it walks by would be a jump, which made it "move".
 */
const MAX_STEP = 0.6;

/** Whether the trail's earlier centres lie further than `fraction` of the box's size from its centre now. */
function moved(trail: Trail, box: Box, fraction: number): boolean {
  const [x, y] = boxCentre(box);
  const limit = fraction * size(box);
  return trail.seen.some((s) => Math.hypot(s.x - x, s.y - y) > limit);
}

const size = (box: Box) => Math.max(box[2] - box[0], box[3] - box[1]);

function centreDistance(a: Box, b: Box): number {
  const [ax, ay] = boxCentre(a);
  const [bx, by] = boxCentre(b);
  return Math.hypot(ax - bx, ay - by);
}

function toPixels(box: readonly number[], frame: RawImage): Box {
  const [x1 = 0, y1 = 0, x2 = 0, y2 = 0] = box;
  return [x1 * frame.width, y1 * frame.height, x2 * frame.width, y2 * frame.height];
}

/** Within one region size of the region: where something walking onto it comes from. */
function near(box: Box, region: Box): boolean {
  const [x, y] = boxCentre(box);
  const w = region[2] - region[0];
  const h = region[3] - region[1];
  return x >= region[0] - w && x <= region[2] + w && y >= region[1] - h && y <= region[3] + h;
}
