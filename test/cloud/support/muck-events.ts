import type { EdgeEvent, VehicleCandidate } from '../../../foundation/contract/events.ts';
import { edgeEvent } from './events.ts';

/** An uncovered-muck-truck observation: its camera, time, the plates the edge read, the trucks telemetry put near. */
export interface Sighting {
  cameraId: string;
  /** The observation's time (UTC). */
  at: string;
  plates: string[];
  /** Trucks the edge hub's telemetry placed near the camera. */
  vehicles?: VehicleCandidate[];
  key: string;
  sequence?: number;
}

export const candidate = (deviceId: string, plate: string): VehicleCandidate => ({
  deviceId,
  plate,
  distanceMeters: 12,
  offsetSeconds: 3,
  cover: 'confirms',
  score: 0.9,
});

export function muckEvent(s: Sighting): EdgeEvent {
  const sequence = s.sequence ?? 0;
  const event = edgeEvent({
    edgeId: s.cameraId.startsWith('rm-') ? 'renmin-hub' : 'lingnan-hub',
    cameraId: s.cameraId,
    type: 'muck_truck_uncovered',
    key: s.key,
    sequence,
    startedAt: new Date(Date.parse(s.at) - sequence * 10_000).toISOString(),
  });
  return {
    ...event,
    objectCount: s.plates.length || 1,
    objects: (s.plates.length ? s.plates : [undefined]).map((plate, i) => ({
      trackId: i + 1,
      label: 'truck',
      score: 0.85,
      box: [0.2, 0.3, 0.6, 0.9],
      attributes: { uncovered: 0.9 },
      ...(plate ? { plate: { text: plate, confidence: 0.92, color: 'yellow' as const, frames: 5 } } : {}),
    })),
    ...(s.vehicles ? { vehicles: s.vehicles } : {}),
  };
}
