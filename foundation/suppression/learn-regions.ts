import { createHash } from 'node:crypto';
import { boxIou, centreInside } from './box-overlap.ts';
import type { NormalisedBox, RejectionSource } from './suppression-region.ts';

/** A detection an operator judged "not an object", with where it was seen. */
export interface Rejection extends RejectionSource {
  edgeId: string;
  cameraId: string;
  /** The AI's label of the rejected box. */
  label: string;
}

export interface LearnOptions {
  /** Rejections on this many different snapshots at one place make a region. */
  minRejections: number;
  /** A rejection joins a group when its box overlaps the group's box this much (or their centres fall inside each other). */
  groupIou: number;
  /** The region is the group's median box grown by this fraction of its size on each side. */
  padding: number;
}

export const DEFAULT_LEARN_OPTIONS: Readonly<LearnOptions> = Object.freeze({
  minRejections: 3,
  groupIou: 0.3,
  padding: 0.1,
});

/** A region learned from a group of rejections, with the rejections as its provenance. */
export interface LearnedRegion {
  id: string;
  edgeId: string;
  cameraId: string;
  label: string;
  box: NormalisedBox;
  /** Distinct snapshots with a rejection in the group. */
  rejections: number;
  /** When the rejection that completed `minRejections` was made. */
  createdAt: string;
  lastRejectedAt: string;
  sources: RejectionSource[];
}

interface Group {
  edgeId: string;
  cameraId: string;
  label: string;
  members: Rejection[];
  box: NormalisedBox;
}

/**
 * Groups a camera's rejections by place and makes a region of each group that `minRejections`
 * snapshots agree on. Rejections are taken oldest first and each joins the group of the same
 * camera and label whose median box it overlaps best, so a group's identity (its first
 * rejection) holds while it grows. Deterministic: the same rejections give the same regions.
 */
export function learnRegions(
  rejections: readonly Rejection[],
  options: LearnOptions = DEFAULT_LEARN_OPTIONS,
): LearnedRegion[] {
  const ordered = [...rejections].sort(
    (a, b) => Date.parse(a.rejectedAt) - Date.parse(b.rejectedAt) || a.key.localeCompare(b.key),
  );
  const groups: Group[] = [];
  for (const rejection of ordered) {
    const group = bestGroup(groups, rejection, options.groupIou);
    if (group) {
      group.members.push(rejection);
      group.box = medianBox(group.members.map((m) => m.box));
    } else {
      groups.push({
        edgeId: rejection.edgeId,
        cameraId: rejection.cameraId,
        label: rejection.label,
        members: [rejection],
        box: rejection.box,
      });
    }
  }
  return groups.flatMap((group) => {
    const region = toRegion(group, options);
    return region ? [region] : [];
  });
}

function bestGroup(groups: readonly Group[], r: Rejection, groupIou: number): Group | undefined {
  let best: Group | undefined;
  let bestScore = -1;
  for (const g of groups) {
    if (g.edgeId !== r.edgeId || g.cameraId !== r.cameraId || g.label !== r.label) continue;
    const overlap = boxIou(g.box, r.box);
    const together = overlap >= groupIou || (centreInside(r.box, g.box) && centreInside(g.box, r.box));
    if (together && overlap > bestScore) {
      best = g;
      bestScore = overlap;
    }
  }
  return best;
}

function toRegion(group: Group, options: LearnOptions): LearnedRegion | undefined {
  const snapshots: string[] = [];
  let createdAt: string | undefined;
  for (const m of group.members) {
    if (snapshots.includes(m.snapshotSha256)) continue;
    snapshots.push(m.snapshotSha256);
    if (snapshots.length === options.minRejections) createdAt = m.rejectedAt;
  }
  const first = group.members[0];
  const last = group.members.at(-1);
  if (createdAt === undefined || !first || !last) return undefined;
  return {
    id: regionId(group, first.key),
    edgeId: group.edgeId,
    cameraId: group.cameraId,
    label: group.label,
    box: pad(group.box, options.padding),
    rejections: snapshots.length,
    createdAt,
    lastRejectedAt: last.rejectedAt,
    sources: group.members.map(({ key, snapshotSha256, eventId, box, rejectedAt }) => ({
      key,
      snapshotSha256,
      eventId,
      box,
      rejectedAt,
    })),
  };
}

function regionId(group: Group, firstKey: string): string {
  const text = [group.edgeId, group.cameraId, group.label, firstKey].join('\n');
  return `sr-${createHash('sha256').update(text).digest('hex').slice(0, 16)}`;
}

/** The coordinate-wise median: a stray box does not drag the place. */
function medianBox(boxes: readonly NormalisedBox[]): NormalisedBox {
  const median = (i: number) => {
    const values = boxes.map((b) => b[i] as number).sort((a, b) => a - b);
    const mid = values.length >> 1;
    return values.length % 2
      ? (values[mid] as number)
      : ((values[mid - 1] as number) + (values[mid] as number)) / 2;
  };
  return [median(0), median(1), median(2), median(3)];
}

function pad(box: NormalisedBox, fraction: number): NormalisedBox {
  const dx = (box[2] - box[0]) * fraction;
  const dy = (box[3] - box[1]) * fraction;
  const clip = (v: number) => Math.min(1, Math.max(0, v));
  return [clip(box[0] - dx), clip(box[1] - dy), clip(box[2] + dx), clip(box[3] + dy)];
}
