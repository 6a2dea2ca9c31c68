import type { LonLat } from '../../foundation/geometry/lon-lat.ts';
import { compileArea } from '../../foundation/geometry/lon-lat-area-config.ts';
import { localTime, withinHours } from '../../foundation/util/local-hours.ts';
import type { Permit } from './permit-schema.ts';

/**
 * Why a truck was not (or could not be) found permitted where and when a camera saw it:
 * - `no_registry`: the registry holds no permit at all, so nothing can be said (not a violation);
 * - `unknown_plate`: the registry has no permit for the plate;
 * - `not_yet_valid`, `expired`: the day is before validFrom or after validTo;
 * - `outside_hours`: the local time is outside the permit's hours;
 * - `off_route`: the camera's view point lies on none of the permit's routes;
 * - `place_unknown`: the camera is not registered, so its place cannot be held against the routes.
 */
export const PERMIT_REASONS = [
  'no_registry',
  'unknown_plate',
  'not_yet_valid',
  'expired',
  'outside_hours',
  'off_route',
  'place_unknown',
] as const;
export type PermitReason = (typeof PERMIT_REASONS)[number];

export interface PermitVerdict {
  /** True: a valid permit for that place and time; false: none; null: it cannot be told. */
  permitted: boolean | null;
  /** Every reason that holds, in the order above; empty when permitted. */
  reasons: PermitReason[];
}

export interface PermitContext {
  /** Where the camera looks ([lon, lat]); undefined for a camera not in the registry. */
  place: LonLat | undefined;
  /** When it saw the truck (ms since the epoch). */
  atMs: number;
  /** The permits' hours and dates are local times this far east of UTC. */
  utcOffsetMinutes: number;
  /** The registry holds no permit at all. */
  registryEmpty: boolean;
}

/** Whether the permit (undefined: the plate has none) covers the place and time of a sighting. */
export function judgePermit(permit: Permit | undefined, context: PermitContext): PermitVerdict {
  if (context.registryEmpty) return { permitted: null, reasons: ['no_registry'] };
  if (!permit) return { permitted: false, reasons: ['unknown_plate'] };
  const { date, minute } = localTime(context.atMs, context.utcOffsetMinutes);
  const reasons: PermitReason[] = [];
  if (date < permit.validFrom) reasons.push('not_yet_valid');
  if (date > permit.validTo) reasons.push('expired');
  if (permit.hours && !withinHours(minute, permit.hours)) reasons.push('outside_hours');
  const place = context.place;
  if (!place) reasons.push('place_unknown');
  else if (!permit.routes.some((route) => compileArea(route).contains(place[0], place[1])))
    reasons.push('off_route');
  const violated = reasons.some((r) => r !== 'place_unknown');
  return { permitted: violated ? false : reasons.length === 0 ? true : null, reasons };
}
