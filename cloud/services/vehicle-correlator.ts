import type { EdgeEvent, VehicleCandidate } from '../../foundation/contract/events.ts';
import type { PlaceRegistry } from '../places/place-registry.ts';
import type { VehiclePositions } from './telemetry-port.ts';

/** Camera event types whose tickets list the trucks near the camera. */
const CORRELATED_TYPES: ReadonlySet<EdgeEvent['type']> = new Set(['muck_truck_uncovered']);
const GRACE_MS = 60_000;
/** Bounds memory when positions stop arriving altogether; the oldest is dropped first. */
const MAX_WATCHED = 10_000;

interface Watched {
  incidentId: number;
  event: EdgeEvent;
  /** Observation time plus the offset window. */
  windowEndMs: number;
  giveUpAtMs: number;
}

/**
 * Joins camera events with the vehicle positions the cloud's telemetry side keeps. It has none
 * until that side attaches its position store (a cloud without telemetry lists no candidates).
 * Positions of the minute after an observation arrive after it, so observations are watched and
 * ranked again as they come in.
 */
export class VehicleCorrelator {
  private source: VehiclePositions | undefined;
  /** Observations looked at again as positions arrive, by eventId. */
  private readonly watched = new Map<string, Watched>();

  constructor(
    private readonly places: PlaceRegistry,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Starts answering from `source`; the returned function detaches it again. */
  attach(source: VehiclePositions): () => void {
    this.source = source;
    return () => {
      if (this.source !== source) return;
      this.source = undefined;
      this.watched.clear();
    };
  }

  /**
   * Looks at the observation again on each `refresh` until positions past its time window have
   * arrived, or for the window plus a grace minute of the receiver's clock (devices gone quiet).
   * Only observations the cloud ranked itself (not an edge's list), at a registered camera.
   */
  watch(incidentId: number, event: EdgeEvent): void {
    if (!this.source || event.vehicles || !CORRELATED_TYPES.has(event.type)) return;
    if (!this.places.camera(event.edgeId, event.cameraId)) return;
    if (this.watched.size >= MAX_WATCHED) this.watched.delete(this.watched.keys().next().value as string);
    const windowMs = this.source.maxOffsetSeconds * 1000;
    this.watched.set(event.eventId, {
      incidentId,
      event,
      windowEndMs: Date.parse(event.observedAt) + windowMs,
      giveUpAtMs: this.clock() + windowMs + GRACE_MS,
    });
  }

  /** Re-ranks the watched observations and hands each ranking to `apply`; the number handed. */
  async refresh(apply: (incidentId: number, found: VehicleCandidate[]) => Promise<void>): Promise<number> {
    const source = this.source;
    if (!source) return 0;
    const now = this.clock();
    let applied = 0;
    for (const [eventId, w] of [...this.watched]) {
      const found = this.candidatesFor(w.event);
      if (found) {
        await apply(w.incidentId, found);
        applied++;
      }
      if (source.newestTimeMs >= w.windowEndMs || now >= w.giveUpAtMs) this.watched.delete(eventId);
    }
    return applied;
  }

  /**
   * The trucks near the event's camera (its registry lat/lon) at its observation time, best
   * first; the edge's own list when the edge hub correlated already. Undefined when the event's
   * type is not correlated, or nothing could be looked at (no telemetry, camera not registered).
   */
  candidatesFor(event: EdgeEvent): VehicleCandidate[] | undefined {
    if (!CORRELATED_TYPES.has(event.type)) return undefined;
    if (event.vehicles) return event.vehicles;
    if (!this.source) return undefined;
    const camera = this.places.camera(event.edgeId, event.cameraId);
    if (!camera) return undefined;
    return this.source.rank(event, { lat: camera.lat, lon: camera.lon });
  }
}

/**
 * One list from what a ticket had and what a new observation of its incident found: each truck
 * once, with its best showing; ranked by score, then distance.
 */
export function mergeCandidates(
  current: readonly VehicleCandidate[],
  found: readonly VehicleCandidate[],
): VehicleCandidate[] {
  const best = new Map<string, VehicleCandidate>();
  for (const candidate of [...current, ...found]) {
    const seen = best.get(candidate.deviceId);
    if (!seen || candidate.score > seen.score) best.set(candidate.deviceId, candidate);
  }
  return [...best.values()].sort((a, b) => b.score - a.score || a.distanceMeters - b.distanceMeters);
}
