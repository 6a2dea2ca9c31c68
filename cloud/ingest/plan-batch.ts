import type { IncidentMessage } from '../../foundation/contract/events.ts';

/** The events of one edge (or device) incident in a batch, in the order they arrived. */
export interface IncidentGroup {
  edgeIncidentId: string;
  events: IncidentMessage[];
}

/**
 * What several events of one edge incident do to its stored source and cloud incident, folded
 * into one change: applying them one by one gives the same row (the latest sighting wins, the
 * first end wins, the highest confidence wins, each event is counted).
 */
export interface SourceFold {
  edgeIncidentId: string;
  lastSeenAt: Date;
  /** The first end among the events, in arrival order; undefined when none ended it. */
  endedAt: Date | undefined;
  confidence: number;
  events: number;
}

/** Several folds on one cloud incident (two cameras' edge incidents merged into it), as one change. */
export interface IncidentFold {
  incidentId: number;
  confidence: number;
  events: number;
}

/**
 * Splits the stored events of a batch by edge incident, keeping arrival order inside each group
 * and ordering groups by their first event: that is the order in which incidents are opened, so
 * a merge across cameras decides as it would one message at a time.
 */
export function groupByIncident(events: readonly IncidentMessage[]): IncidentGroup[] {
  const groups = new Map<string, IncidentGroup>();
  for (const event of events) {
    const group = groups.get(event.incidentId);
    if (group) group.events.push(event);
    else groups.set(event.incidentId, { edgeIncidentId: event.incidentId, events: [event] });
  }
  return [...groups.values()];
}

/** The fold of one edge incident's events (at least one). */
export function foldSource(edgeIncidentId: string, events: readonly IncidentMessage[]): SourceFold {
  let lastSeenAt = Number.NEGATIVE_INFINITY;
  let endedAt: Date | undefined;
  let confidence = Number.NEGATIVE_INFINITY;
  for (const event of events) {
    lastSeenAt = Math.max(lastSeenAt, Date.parse(event.observedAt));
    confidence = Math.max(confidence, event.confidence);
    if (event.phase === 'end' && endedAt === undefined) endedAt = new Date(event.endedAt ?? event.observedAt);
  }
  return { edgeIncidentId, lastSeenAt: new Date(lastSeenAt), endedAt, confidence, events: events.length };
}

/** The folds of edge incidents, summed per cloud incident (one UPDATE may touch a row only once). */
export function foldIncidents(folds: readonly { incidentId: number; fold: SourceFold }[]): IncidentFold[] {
  const byIncident = new Map<number, IncidentFold>();
  for (const { incidentId, fold } of folds) {
    const seen = byIncident.get(incidentId);
    if (seen) {
      seen.confidence = Math.max(seen.confidence, fold.confidence);
      seen.events += fold.events;
    } else {
      byIncident.set(incidentId, { incidentId, confidence: fold.confidence, events: fold.events });
    }
  }
  return [...byIncident.values()];
}

/** The first of each eventId, in order: a redelivery inside one batch is stored (and counted) once. */
export function firstOfEachEvent<T extends { event: IncidentMessage }>(items: readonly T[]): T[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    if (seen.has(item.event.eventId)) return false;
    seen.add(item.event.eventId);
    return true;
  });
}

/**
 * Splits a batch into at most `parts` parts by key, keeping arrival order inside each part and
 * each item's place in the batch: the items of one key share a part. Keys are dealt to the parts
 * in the order they first appear, so that a batch of few keys still fills every part.
 */
export function partitionBatch<T>(
  items: readonly T[],
  keyOf: (item: T) => string,
  parts: number,
): { index: number; item: T }[][] {
  const partitions: { index: number; item: T }[][] = Array.from({ length: parts }, () => []);
  const partOf = new Map<string, number>();
  for (const [index, item] of items.entries()) {
    const key = keyOf(item);
    const part = partOf.get(key) ?? partOf.size % parts;
    partOf.set(key, part);
    partitions[part]?.push({ index, item });
  }
  return partitions.filter((p) => p.length > 0);
}
