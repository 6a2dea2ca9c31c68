import type { RawImage } from '../../foundation/media/frame.ts';
import type { Detection } from '../detect/types.ts';

/**
 * A stage between detection and tracking that drops detections a camera has learned to distrust
 * (per-camera suppression regions, trained verifiers). Filters run in the camera's order; each may
 * keep state across frames (stream `time`, seconds), e.g. whether a detection moves.
 */
export interface DetectionFilter {
  /** Named in logs and metrics. */
  readonly name: string;
  filter(frame: RawImage, detections: Detection[], time: number): Detection[] | Promise<Detection[]>;
}

/** Runs `filters` in order; what one drops, the next never sees. */
export async function applyDetectionFilters(
  filters: readonly DetectionFilter[],
  frame: RawImage,
  detections: Detection[],
  time: number,
): Promise<Detection[]> {
  let kept = detections;
  for (const stage of filters) {
    if (kept.length === 0) break;
    kept = await stage.filter(frame, kept, time);
  }
  return kept;
}
