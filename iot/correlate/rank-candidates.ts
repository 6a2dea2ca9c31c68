import type { EdgeEvent, VehicleCandidate } from '../../foundation/contract/events.ts';
import { distanceMeters } from '../../foundation/geometry/lon-lat.ts';
import type { PositionStore, StoredPosition } from './position-store.ts';

export interface CandidateOptions {
  /** Trucks further than this from the camera are not candidates. */
  radiusMeters: number;
  /** Positions further than this from the camera's observation time are not considered. */
  maxOffsetSeconds: number;
}

const round = (v: number, digits: number) => Number(v.toFixed(digits));

/**
 * The trucks telemetry places near a camera when it saw an uncovered load, best first. Each device
 * is judged by its position closest in space and time to the camera's observation; its score falls
 * with distance and time offset, rises when the truck's cargo-cover sensor also says uncovered,
 * and halves when it says covered (the camera and the sensor disagree: an operator must look).
 */
export function rankCandidateVehicles(
  cameraEvent: Pick<EdgeEvent, 'observedAt' | 'type'>,
  cameraLocation: { lat: number; lon: number },
  store: PositionStore,
  options: CandidateOptions,
): VehicleCandidate[] {
  const at = Date.parse(cameraEvent.observedAt);
  const windowMs = options.maxOffsetSeconds * 1000;
  const positions = store.near(
    cameraLocation.lat,
    cameraLocation.lon,
    options.radiusMeters,
    at - windowMs,
    at + windowMs,
  );
  const best = new Map<string, { position: StoredPosition; distance: number; closeness: number }>();
  const cover = new Map<string, { state: 'covered' | 'uncovered'; offset: number }>();
  for (const p of positions) {
    const distance = distanceMeters([cameraLocation.lon, cameraLocation.lat], [p.lon, p.lat]);
    if (distance > options.radiusMeters) continue;
    const offset = Math.abs(p.timeMs - at);
    const closeness = 1 - 0.5 * (distance / options.radiusMeters) - 0.5 * (offset / windowMs);
    const current = best.get(p.deviceId);
    if (!current || closeness > current.closeness) best.set(p.deviceId, { position: p, distance, closeness });
    const seen = cover.get(p.deviceId);
    if (p.cargoCover && (!seen || offset < seen.offset))
      cover.set(p.deviceId, { state: p.cargoCover, offset });
  }
  const uncoveredEvent = cameraEvent.type === 'muck_truck_uncovered';
  const candidates: VehicleCandidate[] = [];
  for (const [deviceId, { position, distance, closeness }] of best) {
    const sensor = cover.get(deviceId)?.state;
    const agreement: VehicleCandidate['cover'] =
      !uncoveredEvent || !sensor ? 'unknown' : sensor === 'uncovered' ? 'confirms' : 'contradicts';
    const score =
      agreement === 'confirms'
        ? Math.min(1, closeness + 0.25)
        : agreement === 'contradicts'
          ? closeness / 2
          : closeness;
    candidates.push({
      deviceId,
      plate: position.plate,
      distanceMeters: round(distance, 1),
      offsetSeconds: round((position.timeMs - at) / 1000, 1),
      cover: agreement,
      score: round(Math.max(0, score), 3),
    });
  }
  return candidates.sort((a, b) => b.score - a.score || a.distanceMeters - b.distanceMeters);
}

/** The camera event with its candidate trucks attached (contract field `vehicles`). */
export function withCandidates<E extends EdgeEvent>(event: E, candidates: readonly VehicleCandidate[]): E {
  return { ...event, vehicles: [...candidates] };
}
