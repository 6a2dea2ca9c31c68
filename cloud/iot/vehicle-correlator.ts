import type { EdgeEvent, VehicleCandidate } from '../../contract/events.ts';
import type { PositionStore } from '../../iot/correlate/position-store.ts';
import { type CandidateOptions, rankCandidateVehicles } from '../../iot/correlate/rank-candidates.ts';
import type { PlaceRegistry } from '../places/place-registry.ts';

/** Camera event types whose tickets list the trucks near the camera. */
const CORRELATED_TYPES: ReadonlySet<EdgeEvent['type']> = new Set(['muck_truck_uncovered']);

/**
 * Joins camera events with the vehicle positions the cloud's telemetry side keeps. It has none
 * until that side attaches its position store (a cloud without telemetry lists no candidates).
 */
export class VehicleCorrelator {
  private source: { store: PositionStore; options: CandidateOptions } | undefined;

  constructor(private readonly places: PlaceRegistry) {}

  /** Starts answering from `store`; the returned function detaches it again. */
  attach(store: PositionStore, options: CandidateOptions): () => void {
    const source = { store, options };
    this.source = source;
    return () => {
      if (this.source === source) this.source = undefined;
    };
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
    return rankCandidateVehicles(
      event,
      { lat: camera.lat, lon: camera.lon },
      this.source.store,
      this.source.options,
    );
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
