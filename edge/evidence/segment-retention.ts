import type { RecordedSegment } from './segment-list.ts';

export interface RetentionLimits {
  /** Closed segments may hold at most this many bytes together. */
  maxBytes: number;
  /** Segments that ended more than this long before `nowMs` go. */
  maxAgeMs: number;
  nowMs: number;
  /** A segment a clip is being cut from; it and everything newer stay for now. */
  isPinned: (segment: RecordedSegment) => boolean;
}

/**
 * The segments to delete (a prefix of `segments`, which are closed and sorted oldest first): the
 * too old, then the oldest until the rest fit in `maxBytes`. Deletion stops at the first pinned
 * segment rather than skipping it: deleting newer ones instead would punch holes in the pre-roll of
 * the next clip, and a pin lasts only as long as a cut, after which the next pass catches up.
 */
export function planRetention(
  segments: readonly RecordedSegment[],
  limits: RetentionLimits,
): RecordedSegment[] {
  let held = 0;
  for (const s of segments) held += s.bytes;
  const doomed: RecordedSegment[] = [];
  for (const s of segments) {
    const tooOld = s.endMs < limits.nowMs - limits.maxAgeMs;
    if (!tooOld && held <= limits.maxBytes) break;
    if (limits.isPinned(s)) break;
    doomed.push(s);
    held -= s.bytes;
  }
  return doomed;
}
