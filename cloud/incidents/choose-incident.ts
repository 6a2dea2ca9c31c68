import { distanceMeters, type LonLat } from '../../foundation/geometry/lon-lat.ts';
import type { Incident } from './incident-schema.ts';

/**
 * Which of the overlapping incidents (same type, times overlapping) a new edge incident belongs
 * to: the nearest one seen by another camera whose view point is within `maxMeters` of this
 * camera's. Two incidents of one camera are never merged: the edge already told them apart.
 * Pure; `viewPointOf` gives a source camera's view point (undefined: not in the registry).
 */
/** Types whose incidents are each one camera's own: a camera fault is one maintenance job per camera. */
const PER_CAMERA_TYPES: ReadonlySet<string> = new Set(['camera_fault']);

export function chooseIncident(
  candidates: readonly Incident[],
  camera: { edgeId: string; cameraId: string; viewPoint: LonLat | undefined },
  viewPointOf: (edgeId: string, cameraId: string) => LonLat | undefined,
  maxMeters: number,
): Incident | undefined {
  const here = camera.viewPoint;
  if (!here || candidates.some((c) => PER_CAMERA_TYPES.has(c.type))) return undefined;
  let best: { incident: Incident; meters: number } | undefined;
  for (const incident of candidates) {
    if (incident.sources.some((s) => s.edgeId === camera.edgeId && s.cameraId === camera.cameraId)) continue;
    for (const source of incident.sources) {
      if (source.cameraId === null) continue;
      const there = viewPointOf(source.edgeId, source.cameraId);
      if (!there) continue;
      const meters = distanceMeters(here, there);
      if (meters <= maxMeters && (!best || meters < best.meters)) best = { incident, meters };
    }
  }
  return best?.incident;
}
