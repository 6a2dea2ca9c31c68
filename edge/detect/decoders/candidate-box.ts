import type { Candidate } from '../types.ts';

export function clamp(v: number, max: number): number {
  return Math.min(Math.max(v, 0), max);
}

/** A candidate from a centre-size box (YOLO heads), clipped to the model input. */
export function candidateFromCentre(
  classId: number,
  score: number,
  cx: number,
  cy: number,
  width: number,
  height: number,
  inputWidth: number,
  inputHeight: number,
): Candidate {
  const halfW = width / 2;
  const halfH = height / 2;
  return {
    classId,
    score,
    x1: clamp(cx - halfW, inputWidth),
    y1: clamp(cy - halfH, inputHeight),
    x2: clamp(cx + halfW, inputWidth),
    y2: clamp(cy + halfH, inputHeight),
  };
}
