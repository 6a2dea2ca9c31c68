import type { EdgeEvent, VehicleCandidate } from '../../foundation/contract/events.ts';
import type { PermitsConfig, RoutingConfig } from '../config/cloud-config-schema.ts';
import { judgePermit } from '../permits/judge-permit.ts';
import {
  hasUnpermitted,
  levelWithTrucks,
  mergeTrucks,
  type PlateSighting,
  platesRead,
  type Truck,
  truckOf,
} from '../permits/trucks.ts';
import type { PlaceRegistry } from '../places/place-registry.ts';
import type { Repositories } from '../repositories/cloud-store.ts';
import { deadlinesFor } from '../routing/route-ticket.ts';
import type { Ticket } from '../tickets/ticket-schema.ts';
import { FINAL_STATES } from '../tickets/ticket-state-machine.ts';

/** Event types whose plates are joined with the telemetry devices and the permit registry. */
const PLATE_TYPES: ReadonlySet<EdgeEvent['type']> = new Set(['muck_truck_uncovered']);

export interface TruckPermitJoinOptions {
  routing: RoutingConfig;
  places: PlaceRegistry;
  permits: Pick<PermitsConfig, 'utcOffsetMinutes' | 'raiseLevelBy'>;
}

/**
 * Names the trucks of an uncovered-muck-truck ticket by the plates the edge read: each plate joined
 * with the telemetry device reporting it among the trucks near the camera, and with the permit
 * registry (company; whether the permit covered the camera's place at the observation's time). A
 * ticket that comes to name a truck without a valid permit is raised `raiseLevelBy` levels: the
 * truck is transporting spoil unlicensed on top of the uncovered load, and it drives on, so the
 * dispatch must come sooner. Runs in the caller's transaction.
 */
export class TruckPermitJoin {
  constructor(private readonly options: TruckPermitJoinOptions) {}

  /** The ticket with this observation's plates joined; undefined when nothing on it changed. */
  async joinPlates(
    repos: Repositories,
    event: EdgeEvent,
    incidentId: number,
    at: Date,
  ): Promise<Ticket | undefined> {
    if (!PLATE_TYPES.has(event.type)) return undefined;
    const sightings = platesRead(event.objects);
    if (sightings.length === 0) return undefined;
    const ticket = await repos.tickets.byIncident(incidentId);
    if (!ticket) return undefined;
    const listed = new Set((ticket.trucks ?? []).map((truck) => truck.plate));
    const fresh = sightings.filter((s) => !listed.has(s.plate));
    const candidates = ticket.vehicles ?? [];
    const added = fresh.length === 0 ? [] : await this.judge(repos, event, fresh, candidates);
    const trucks = mergeTrucks(ticket.trucks ?? [], sightings, added, candidates);
    return this.setTrucks(repos, ticket, trucks, at);
  }

  /** The ticket with its trucks' devices looked up again in a longer candidate list. */
  async devicesFound(
    repos: Repositories,
    ticket: Ticket,
    candidates: readonly VehicleCandidate[],
    at: Date,
  ): Promise<Ticket> {
    if (!ticket.trucks) return ticket;
    return (
      (await this.setTrucks(repos, ticket, mergeTrucks(ticket.trucks, [], [], candidates), at)) ?? ticket
    );
  }

  /** The level a ticket's route gives, raised while it names a truck without a valid permit. */
  level(routedLevel: number, trucks: readonly Truck[] | null): number {
    return levelWithTrucks(routedLevel, trucks, this.options.permits.raiseLevelBy);
  }

  private async judge(
    repos: Repositories,
    event: EdgeEvent,
    sightings: readonly PlateSighting[],
    candidates: readonly VehicleCandidate[],
  ): Promise<Truck[]> {
    const { places, permits: config } = this.options;
    const permits = await repos.permits.byPlates(sightings.map((s) => s.plate));
    const registryEmpty = permits.size === 0 && (await repos.permits.count()) === 0;
    const camera = places.camera(event.edgeId, event.cameraId);
    const context = {
      place: camera ? places.viewPoint(camera) : undefined,
      atMs: Date.parse(event.observedAt),
      utcOffsetMinutes: config.utcOffsetMinutes,
      registryEmpty,
    };
    return sightings.map((s) => {
      const permit = permits.get(s.plate);
      return truckOf(s, event.observedAt, permit, judgePermit(permit, context), candidates);
    });
  }

  private async setTrucks(
    repos: Repositories,
    ticket: Ticket,
    trucks: Truck[],
    at: Date,
  ): Promise<Ticket | undefined> {
    if (ticket.trucks && JSON.stringify(trucks) === JSON.stringify(ticket.trucks)) return undefined;
    const updated = await repos.tickets.setTrucks(ticket.id, trucks, at);
    if (hasUnpermitted(ticket.trucks) || !hasUnpermitted(trucks) || FINAL_STATES.includes(ticket.state))
      return updated;
    return this.raise(repos, updated, at);
  }

  /** One raise per ticket; the running step's deadline shortens to the new level's if that is sooner. */
  private async raise(repos: Repositories, ticket: Ticket, at: Date): Promise<Ticket> {
    const level = this.level(ticket.level, ticket.trucks);
    if (level === ticket.level) return ticket;
    const minutes = ticket.step ? deadlinesFor(this.options.routing, level)[ticket.step] : undefined;
    const sooner = minutes === undefined ? undefined : new Date(at.getTime() + minutes * 60_000);
    const due = ticket.stepDueAt ? new Date(ticket.stepDueAt) : undefined;
    const stepDueAt = sooner && (!due || sooner < due) ? sooner : undefined;
    return repos.tickets.update(ticket.id, { level, ...(stepDueAt ? { stepDueAt } : {}) }, at);
  }
}
