import type { Candidate } from './types.ts';

export interface Rect {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

export function area(r: Rect): number {
  return Math.max(0, r.x2 - r.x1) * Math.max(0, r.y2 - r.y1);
}

export function iou(a: Rect, b: Rect): number {
  const w = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1);
  const h = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1);
  if (w <= 0 || h <= 0) return 0;
  const intersection = w * h;
  const union = area(a) + area(b) - intersection;
  return union > 0 ? intersection / union : 0;
}

export function nonMaxSuppression(
  candidates: Candidate[],
  iouThreshold: number,
  maxDetections: number,
): Candidate[] {
  const kept: Candidate[] = [];
  if (maxDetections <= 0) return kept;
  const keptByClass = new Map<number, Candidate[]>();
  const sorted = [...candidates].sort((a, b) => b.score - a.score);
  for (const candidate of sorted) {
    let sameClass = keptByClass.get(candidate.classId);
    if (sameClass?.some((k) => iou(k, candidate) > iouThreshold)) continue;
    if (!sameClass) {
      sameClass = [];
      keptByClass.set(candidate.classId, sameClass);
    }
    sameClass.push(candidate);
    kept.push(candidate);
    if (kept.length >= maxDetections) break;
  }
  return kept;
}
