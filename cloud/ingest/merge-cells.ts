import type { LonLat } from '../../foundation/geometry/lon-lat.ts';

const EARTH_RADIUS_M = 6_371_008.8;
const DEGREES_PER_RADIAN = 180 / Math.PI;

/**
 * The lock keys a new edge incident takes before it decides whether to join another camera's
 * incident: its type's latitude band and the two bands beside it. A band is as tall as the merge
 * distance, and two view points within that distance (haversine) are never more than one band
 * apart, so two new incidents that could merge always share a key and decide one after the
 * other, across transactions and cloud instances; incidents far apart decide in parallel. Bands
 * are by latitude only, which is correct at any longitude and latitude, and coarse only along a
 * band. A camera with no view point cannot merge and needs no key (chooseIncident).
 */
export function mergeLockKeys(type: string, viewPoint: LonLat, maxMeters: number): string[] {
  const bandDegrees = (Math.max(maxMeters, 1) / EARTH_RADIUS_M) * DEGREES_PER_RADIAN;
  const band = Math.floor(viewPoint[1] / bandDegrees);
  return [band - 1, band, band + 1].map((b) => `incident:${type}:${b}`);
}
