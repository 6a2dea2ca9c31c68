import { type IncidentMessage, isDeviceEvent } from '../../foundation/contract/events.ts';
import type { LonLat } from '../../foundation/geometry/lon-lat.ts';
import { chooseIncident } from '../incidents/choose-incident.ts';
import type { Incident, IncidentSource } from '../incidents/incident-schema.ts';
import { foldSource, type IncidentGroup, type SourceFold } from './plan-batch.ts';

export interface OpeningOptions {
  mergeDistanceMeters: number;
  mergeGapSeconds: number;
}

/** A new edge incident of the batch: its source row with all its events folded in, and where it went. */
export interface NewSource {
  incidentId: number;
  group: IncidentGroup;
  fold: SourceFold;
  source: IncidentSource;
}

/** An incident the batch opened, or a stored one that new sources joined, as it is after the batch. */
export interface TouchedIncident {
  incident: Incident;
  /** The event that opened it in this batch; undefined for a stored incident that others joined. */
  openedBy: IncidentMessage | undefined;
  /** The sources the batch gave it, in arrival order (the opener's first). */
  added: NewSource[];
}

export interface OpeningPlan {
  /** Each new group's source, in the groups' order. */
  sources: NewSource[];
  /** By incident id: the incidents opened, then the stored ones joined, in the order first touched. */
  touched: Map<number, TouchedIncident>;
}

/**
 * Decides, in memory, what the new edge incidents of a batch become, in arrival order, as opening
 * or joining them one at a time would: each camera's first event looks for an incident of its type
 * whose span (widened by the merge gap) overlaps its own and that another camera within the merge
 * distance saw (chooseIncident), among the stored candidates and the incidents opened or widened
 * earlier in the batch; otherwise it opens one with the next of `newIds`. A device's incident is
 * always its own. Each source carries the fold of all its group's events. Pure: `candidates` are
 * the stored incidents that may be joined (the caller locked them), as they are before the batch.
 */
export function planOpenings(
  groups: readonly IncidentGroup[],
  candidates: readonly Incident[],
  newIds: readonly number[],
  viewPointOf: (edgeId: string, cameraId: string) => LonLat | undefined,
  options: OpeningOptions,
): OpeningPlan {
  const working = new Map(candidates.map((c) => [c.id, { ...c, sources: [...c.sources] }]));
  const touched = new Map<number, TouchedIncident>();
  const sources: NewSource[] = [];
  const gapMs = options.mergeGapSeconds * 1000;
  let nextId = 0;
  for (const group of groups) {
    const first = group.events[0] as IncidentMessage;
    const fold = foldSource(group.edgeIncidentId, group.events);
    let incident: Incident | undefined;
    const viewPoint = isDeviceEvent(first) ? undefined : viewPointOf(first.edgeId, first.cameraId);
    // A device, or a camera with no view point, never joins another incident (chooseIncident).
    if (!isDeviceEvent(first) && viewPoint) {
      const span = searchSpan(first, gapMs);
      const overlapping = [...working.values()]
        .filter((c) => c.type === first.type && overlaps(c, span))
        .sort((a, b) => a.id - b.id);
      const here = { edgeId: first.edgeId, cameraId: first.cameraId, viewPoint };
      incident = chooseIncident(overlapping, here, viewPointOf, options.mergeDistanceMeters);
    }
    if (!incident) {
      const id = newIds[nextId++];
      if (id === undefined) throw new Error('planOpenings: fewer new incident ids than new edge incidents');
      incident = emptyIncident(id, first);
      working.set(id, incident);
      touched.set(id, { incident, openedBy: first, added: [] });
    }
    const added: NewSource = { incidentId: incident.id, group, fold, source: sourceOf(first, fold) };
    widen(incident, added);
    const entry = touched.get(incident.id) ?? { incident, openedBy: undefined, added: [] };
    entry.added.push(added);
    touched.set(incident.id, entry);
    sources.push(added);
  }
  return { sources, touched };
}

/**
 * The time in which another incident must lie, in part, for a new edge incident to join it: its
 * first event's span (start to that event), widened by the merge gap both ways.
 */
export function searchSpan(first: IncidentMessage, gapMs: number): { from: Date; to: Date } {
  const to = first.phase === 'end' ? (first.endedAt ?? first.observedAt) : first.observedAt;
  return { from: new Date(Date.parse(first.startedAt) - gapMs), to: new Date(Date.parse(to) + gapMs) };
}

function overlaps(incident: Incident, span: { from: Date; to: Date }): boolean {
  return (
    Date.parse(incident.startedAt) <= span.to.getTime() &&
    Date.parse(incident.endedAt ?? incident.lastSeenAt) >= span.from.getTime()
  );
}

/** The source row of a new edge incident once all its events of the batch are folded in. */
function sourceOf(first: IncidentMessage, fold: SourceFold): IncidentSource {
  const device = isDeviceEvent(first);
  return {
    edgeIncidentId: first.incidentId,
    edgeId: device ? first.nodeId : first.edgeId,
    cameraId: device ? null : first.cameraId,
    model: device ? null : { name: first.model.name, version: first.model.version },
    deviceId: device ? first.deviceId : null,
    startedAt: new Date(first.startedAt).toISOString(),
    lastSeenAt: fold.lastSeenAt.toISOString(),
    endedAt: fold.endedAt?.toISOString() ?? null,
  };
}

function emptyIncident(id: number, first: IncidentMessage): Incident {
  return {
    id,
    type: first.type,
    state: 'open',
    startedAt: new Date(first.startedAt).toISOString(),
    lastSeenAt: new Date(first.observedAt).toISOString(),
    endedAt: null,
    location: null,
    gridId: null,
    communityId: null,
    streetId: null,
    districtId: null,
    confidence: Number.NEGATIVE_INFINITY,
    eventCount: 0,
    sources: [],
  };
}

/** Adds the source and recomputes the span and state from all sources, as the stored refresh does. */
function widen(incident: Incident, added: NewSource): void {
  incident.sources.push(added.source);
  const ms = (iso: string) => Date.parse(iso);
  const all = incident.sources;
  const open = all.some((s) => s.endedAt === null);
  incident.startedAt = new Date(Math.min(...all.map((s) => ms(s.startedAt)))).toISOString();
  incident.lastSeenAt = new Date(Math.max(...all.map((s) => ms(s.lastSeenAt)))).toISOString();
  incident.endedAt = open
    ? null
    : new Date(Math.max(...all.map((s) => ms(s.endedAt as string)))).toISOString();
  incident.state = open ? 'open' : 'ended';
  incident.confidence = Math.max(incident.confidence, added.fold.confidence);
  incident.eventCount += added.fold.events;
}
