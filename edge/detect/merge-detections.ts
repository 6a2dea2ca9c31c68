import type { Box } from '../../foundation/media/frame.ts';
import { iou } from './nms.ts';
import type { Detection } from './types.ts';

/** Two detectors' boxes of one label overlapping this much are one object. */
const MERGE_IOU = 0.6;

/** Detections of several detectors on one frame, a duplicate of one label kept once (the best). */
export function mergeDetections(lists: readonly Detection[][]): Detection[] {
  const all = lists.flat().sort((a, b) => b.score - a.score);
  const kept: Detection[] = [];
  for (const detection of all) {
    const duplicate = kept.some(
      (k) => k.label === detection.label && iou(rect(k.box), rect(detection.box)) >= MERGE_IOU,
    );
    if (!duplicate) kept.push(detection);
  }
  return kept;
}

const rect = (box: Box) => ({ x1: box[0], y1: box[1], x2: box[2], y2: box[3] });
