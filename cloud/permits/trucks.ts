import { z } from 'zod';
import type { EventObject, VehicleCandidate } from '../../foundation/contract/events.ts';
import { PERMIT_REASONS, type PermitVerdict } from './judge-permit.ts';
import type { Permit } from './permit-schema.ts';
import { normalisePlate } from './permit-schema.ts';

/**
 * A truck an uncovered-muck-truck ticket names by the plate the edge read: which terminal
 * (telemetry device) carries that plate, which company holds its permit, and whether the permit
 * covered the camera's place and the time the plate was first read.
 */
export const TruckSchema = z.object({
  plate: z.string(),
  /** The edge's read: its confidence (0..1), the plate's colour where told, the track it was read on. */
  confidence: z.number(),
  color: z.string().nullable(),
  trackId: z.number().int(),
  /** The observation the permit was judged at: the first that read this plate. */
  observedAt: z.string(),
  /** The telemetry device reporting this plate among the trucks near the camera; null: none (yet). */
  deviceId: z.string().nullable(),
  company: z.string().nullable(),
  permitNumber: z.string().nullable(),
  disposalPermitNumber: z.string().nullable(),
  /** True: a valid permit for that place and time; false: none; null: it cannot be told (see reasons). */
  permitted: z.boolean().nullable(),
  reasons: z.array(z.enum(PERMIT_REASONS)),
});
export type Truck = z.infer<typeof TruckSchema>;

export interface PlateSighting {
  plate: string;
  confidence: number;
  color: string | null;
  trackId: number;
}

/** The plates an observation read, each once with its most confident read. */
export function platesRead(objects: readonly EventObject[]): PlateSighting[] {
  const best = new Map<string, PlateSighting>();
  for (const object of objects) {
    if (!object.plate) continue;
    const plate = normalisePlate(object.plate.text);
    const seen = best.get(plate);
    if (!seen || object.plate.confidence > seen.confidence)
      best.set(plate, {
        plate,
        confidence: object.plate.confidence,
        color: object.plate.color ?? null,
        trackId: object.trackId,
      });
  }
  return [...best.values()];
}

/** The device among the candidates whose telemetry reports this plate. */
export function deviceOf(plate: string, candidates: readonly VehicleCandidate[]): string | null {
  return candidates.find((c) => c.plate !== undefined && normalisePlate(c.plate) === plate)?.deviceId ?? null;
}

/** A newly read plate as the ticket lists it, judged against its permit (undefined: none). */
export function truckOf(
  sighting: PlateSighting,
  observedAt: string,
  permit: Permit | undefined,
  verdict: PermitVerdict,
  candidates: readonly VehicleCandidate[],
): Truck {
  return {
    ...sighting,
    observedAt,
    deviceId: deviceOf(sighting.plate, candidates),
    company: permit?.company ?? null,
    permitNumber: permit?.permitNumber ?? null,
    disposalPermitNumber: permit?.disposalPermitNumber ?? null,
    permitted: verdict.permitted,
    reasons: verdict.reasons,
  };
}

/**
 * The ticket's trucks after an observation: a plate already listed keeps its verdict (judged when
 * first read) and takes a more confident read; new plates are added; each takes its device where
 * the candidates now name one.
 */
export function mergeTrucks(
  current: readonly Truck[],
  sightings: readonly PlateSighting[],
  added: readonly Truck[],
  candidates: readonly VehicleCandidate[],
): Truck[] {
  const read = new Map(sightings.map((s) => [s.plate, s]));
  const merged = current.map((truck) => {
    const better = read.get(truck.plate);
    return better && better.confidence > truck.confidence ? { ...truck, ...better } : truck;
  });
  return [...merged, ...added].map((truck) =>
    truck.deviceId === null ? { ...truck, deviceId: deviceOf(truck.plate, candidates) } : truck,
  );
}

/** Whether any listed truck had no valid permit (unknown plates included). */
export function hasUnpermitted(trucks: readonly Truck[] | null): boolean {
  return (trucks ?? []).some((truck) => truck.permitted === false);
}

/**
 * The level of a ticket that names a truck without a valid permit: `by` steps more urgent than
 * its route gave (level 1 is the most urgent), never past 1.
 */
export function levelWithTrucks(routedLevel: number, trucks: readonly Truck[] | null, by: number): number {
  return hasUnpermitted(trucks) ? Math.max(1, routedLevel - by) : routedLevel;
}

/**
 * What a public description says of the trucks: how many were named by plate and how many had no
 * valid permit; never a plate or a company (Open311 is read by anyone).
 */
export function trucksNote(trucks: readonly Truck[] | null): string | undefined {
  if (!trucks || trucks.length === 0) return undefined;
  const unpermitted = trucks.filter((truck) => truck.permitted === false).length;
  const named = `${trucks.length} truck${trucks.length === 1 ? '' : 's'} identified by plate`;
  return unpermitted === 0 ? `${named}.` : `${named}, ${unpermitted} without a valid permit.`;
}
