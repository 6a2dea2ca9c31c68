import type { EdgeEvent, EventPhase, EventType } from '../../../foundation/contract/events.ts';
import { topics } from '../../../foundation/contract/topics.ts';

export interface EventSpec {
  edgeId: string;
  cameraId: string;
  type?: EventType;
  /** The edge's incident: its id is derived from camera, type and this key. */
  key?: string;
  sequence?: number;
  phase?: EventPhase;
  startedAt: string;
  /** Seconds after startedAt. */
  after?: number;
  confidence?: number;
  model?: string;
}

/** A contract-valid event as an edge would publish it. */
export function edgeEvent(spec: EventSpec): EdgeEvent {
  const type = spec.type ?? 'street_vending';
  const sequence = spec.sequence ?? 0;
  const phase = spec.phase ?? (sequence === 0 ? 'start' : 'update');
  const incidentId = `${spec.edgeId}:${spec.cameraId}:${type}:${spec.key ?? '1'}`;
  const observedAt = new Date(
    Date.parse(spec.startedAt) + (spec.after ?? sequence * 10) * 1000,
  ).toISOString();
  return {
    schemaVersion: 1,
    eventId: `${incidentId}:${sequence}`,
    incidentId,
    sequence,
    type,
    phase,
    edgeId: spec.edgeId,
    cameraId: spec.cameraId,
    scenario: `${type}_pavement`,
    zone: 'pavement',
    startedAt: spec.startedAt,
    observedAt,
    ...(phase === 'end' ? { endedAt: observedAt } : {}),
    confidence: spec.confidence ?? 0.8,
    objectCount: 2,
    objects: [
      { trackId: 1, label: 'person', score: 0.8, box: [0.1, 0.4, 0.2, 0.8] },
      { trackId: 2, label: 'umbrella', score: 0.7, box: [0.15, 0.3, 0.3, 0.5] },
    ],
    model: { name: spec.model ?? 'nanodet-g-416', version: '1', sha256: 'a'.repeat(64) },
    frame: { width: 768, height: 576 },
    evidence: {},
  };
}

export const message = (event: EdgeEvent) => ({
  topic: topics.event(event.edgeId, event.type),
  payload: Buffer.from(JSON.stringify(event)),
});
