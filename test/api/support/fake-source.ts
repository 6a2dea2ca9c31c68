import type {
  ApiSource,
  CameraStatusView,
  DeliveryStatsView,
  EvidenceStatsView,
  LatestFrame,
  StorageView,
} from '../../../edge/api/api-source.ts';
import type { SchedulerStats } from '../../../edge/detect/inference-scheduler.ts';
import type { EdgeEvent } from '../../../foundation/contract/events.ts';

export const T0 = Date.parse('2026-11-21T08:00:00Z');

export function camera(
  id: string,
  state: CameraStatusView['state'],
  framesAnalysed: number,
): CameraStatusView {
  return {
    id,
    name: `Camera ${id}`,
    state,
    fps: 5,
    counters: {
      framesDecoded: framesAnalysed + 30,
      framesAnalysed,
      framesSkippedByMotion: 20,
      framesDropped: 10,
      reconnects: 2,
      lastFrameTime: state === 'live' ? T0 + 1500 : null,
      lastInferenceMs: 42,
      eventsRaised: 3,
    },
    lastError: null,
  };
}

export function event(sequence: number): EdgeEvent {
  const at = new Date(T0 + sequence * 1000).toISOString();
  return {
    schemaVersion: 1,
    eventId: `edge-1:gate:loiter:${sequence}`,
    incidentId: 'edge-1:gate:loiter',
    sequence,
    type: 'loitering',
    phase: sequence === 0 ? 'start' : 'update',
    edgeId: 'edge-1',
    cameraId: 'gate',
    scenario: 'loiter',
    startedAt: new Date(T0).toISOString(),
    observedAt: at,
    confidence: 0.8,
    objectCount: 0,
    objects: [],
    model: { name: 'nanodet-g-416', version: '1', sha256: 'a'.repeat(64) },
    frame: { width: 416, height: 416 },
    evidence: {},
  };
}

function schedulerStats(superseded: number): SchedulerStats {
  const source = {
    completed: 90,
    superseded,
    failed: 1,
    cancelled: 0,
    waiting: false,
    running: false,
    lastWaitMs: 12,
    meanWaitMs: 8,
    lastRunMs: 30,
    meanRunMs: 25,
  };
  return {
    sources: [
      { sourceId: 'gate', submitted: 100, ...source },
      // An odd id, to exercise label escaping: backslash, quote, line feed.
      { sourceId: 'odd\\"id\nx', submitted: 100, ...source },
    ],
    totals: {
      submitted: 200,
      completed: 180,
      superseded: superseded * 2,
      failed: 2,
      cancelled: 0,
      batches: 150,
      meanBatchSize: 1.2,
      meanWaitMs: 8,
      meanRunMs: 25,
    },
  };
}

/** A hand-written source: plain mutable state the tests change between requests. */
export class FakeSource implements ApiSource {
  edgeId = 'edge-1';
  startedAt = T0;
  cams: CameraStatusView[] = [];
  frames = new Map<string, LatestFrame>();
  events: EdgeEvent[] = [];
  limitsAsked: number[] = [];
  deliveryStats: DeliveryStatsView | undefined;
  evidenceStats: EvidenceStatsView | undefined;
  storageStats: StorageView | undefined;

  cameras(): CameraStatusView[] {
    return this.cams.map((c) => ({ ...c, counters: { ...c.counters } }));
  }
  latestFrame(cameraId: string): LatestFrame | undefined {
    return this.frames.get(cameraId);
  }
  recentEvents(limit: number): EdgeEvent[] {
    this.limitsAsked.push(limit);
    return this.events.slice(-limit).reverse();
  }
  models(): Record<string, SchedulerStats> {
    return { detector: schedulerStats(5) };
  }
  delivery(): DeliveryStatsView | undefined {
    return this.deliveryStats;
  }
  evidence(): EvidenceStatsView | undefined {
    return this.evidenceStats;
  }
  storage(): StorageView | undefined {
    return this.storageStats;
  }
}

/** Back to two cameras (gate live, yard backing off) and nothing else. */
export function resetSource(source: FakeSource): void {
  source.cams = [camera('gate', 'live', 100), camera('yard', 'backing_off', 7)];
  source.frames.clear();
  source.events = [];
  source.limitsAsked = [];
  source.deliveryStats = undefined;
  source.evidenceStats = undefined;
  source.storageStats = undefined;
}
