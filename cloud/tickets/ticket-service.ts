import type { Role } from '../auth/roles.ts';
import type { RoutingConfig } from '../config/cloud-config-schema.ts';
import type { Database, Queryable } from '../db/database.ts';
import { CloudError } from '../errors.ts';
import type { Placement, PlaceRegistry } from '../places/place-registry.ts';
import { deadlinesFor, routeTicket } from '../routing/route-ticket.ts';
import { type NewTicket, type TicketChanges, ticketRepository } from './ticket-repository.ts';
import type { Escalation, Ticket, TransitionRecord } from './ticket-schema.ts';
import {
  FINAL_STATES,
  nextState,
  type Step,
  stepOf,
  type TicketState,
  type TransitionRequest,
} from './ticket-state-machine.ts';

export interface Actor {
  name: string;
  role: Role;
}

/** A report from people: grid-worker patrol app, 12345 hotline, citizen (Open311). */
export interface ReportInput {
  source: 'grid_worker' | 'hotline' | 'citizen';
  category: string;
  description?: string | undefined;
  address?: string | undefined;
  location?: { lat: number; lon: number } | undefined;
  /** A place id given instead of (or besides) a location, e.g. the grid a grid worker patrols. */
  gridId?: string | undefined;
  reporter?: string | undefined;
  mediaUrl?: string | undefined;
}

/** What an AI incident gives its ticket. */
export interface IncidentInput {
  incidentId: number;
  category: string;
  cameraId: string | undefined;
  deviceId: string | undefined;
  model: { name: string; version: string } | undefined;
  location: { lat: number; lon: number } | undefined;
  placement: Placement;
  description: string;
}

export interface TicketServiceOptions {
  routing: RoutingConfig;
  places: PlaceRegistry;
}

/**
 * Tickets: creation (from AI incidents and from people's reports), transitions through the state
 * machine with an audit row each, and the overdue sweep. Every call takes the time it happens at.
 */
export class TicketService {
  constructor(
    private readonly db: Database,
    private readonly options: TicketServiceOptions,
  ) {}

  /** The step deadline for a ticket entering `state` at `at`, or what it had when the step is unchanged. */
  private deadline(
    level: number,
    from: TicketState | undefined,
    to: TicketState,
    at: Date,
    current?: Date | null,
  ) {
    const step = stepOf(to);
    if (step === undefined) return { step: null, stepDueAt: null };
    if (from !== undefined && stepOf(from) === step && current) return { step, stepDueAt: current };
    const minutes = deadlinesFor(this.options.routing, level)[step];
    return { step, stepDueAt: new Date(at.getTime() + minutes * 60_000) };
  }

  /** The ticket of a new incident (source ai or iot): awaiting an operator's review. In the caller's transaction. */
  async createForIncident(tx: Queryable, input: IncidentInput, at: Date): Promise<Ticket> {
    const route = routeTicket(this.options.routing, input.category, input.placement, at);
    const { step, stepDueAt } = this.deadline(route.level, undefined, 'new', at);
    const ticket = await ticketRepository.create(tx, {
      source: input.deviceId ? 'iot' : 'ai',
      category: input.category,
      state: 'new',
      incidentId: input.incidentId,
      cameraId: input.cameraId,
      deviceId: input.deviceId,
      model: input.model,
      description: input.description,
      location: input.location,
      ...input.placement,
      department: route.department,
      level: route.level,
      step: step ?? undefined,
      stepDueAt: stepDueAt ?? undefined,
      at,
    });
    await ticketRepository.appendTransition(tx, {
      ticketId: ticket.id,
      action: 'create',
      from: null,
      to: 'new',
      actor: input.deviceId ? `device:${input.deviceId}` : `camera:${input.cameraId}`,
      role: 'system',
      note: input.description,
      at,
    });
    return ticket;
  }

  /**
   * A merged incident moved (another camera saw it): a ticket nobody has dispatched yet follows it
   * to its new place and route. Runs in the caller's transaction.
   */
  async relocateForIncident(
    tx: Queryable,
    incidentId: number,
    location: { lat: number; lon: number },
    placement: Placement,
    at: Date,
  ): Promise<Ticket | undefined> {
    const ticket = await ticketRepository.byIncident(tx, incidentId);
    if (!ticket || (ticket.state !== 'new' && ticket.state !== 'confirmed')) return undefined;
    const route = routeTicket(this.options.routing, ticket.category, placement, new Date(ticket.createdAt));
    return ticketRepository.update(
      tx,
      ticket.id,
      {
        location,
        gridId: placement.gridId ?? null,
        communityId: placement.communityId ?? null,
        streetId: placement.streetId ?? null,
        districtId: placement.districtId ?? null,
        department: route.department,
        level: route.level,
      },
      at,
    );
  }

  /** A report from people enters the same loop: grid workers and the hotline are trusted (confirmed), citizens are reviewed (new). */
  async createReport(input: ReportInput, actor: { name: string; role: string }, at: Date): Promise<Ticket> {
    const { places } = this.options;
    let placement: Placement = {
      gridId: undefined,
      communityId: undefined,
      streetId: undefined,
      districtId: undefined,
    };
    if (input.gridId !== undefined) {
      const place = places.get(input.gridId);
      if (!place)
        throw new CloudError('TRANSITION_INVALID', `no place "${input.gridId}"`, { gridId: input.gridId });
      placement = places.withAncestors(place);
    } else if (input.location) {
      placement = places.locate([input.location.lon, input.location.lat]);
    }
    const state: TicketState = input.source === 'citizen' ? 'new' : 'confirmed';
    const route = routeTicket(this.options.routing, input.category, placement, at);
    const { step, stepDueAt } = this.deadline(route.level, undefined, state, at);
    const fields: NewTicket = {
      source: input.source,
      category: input.category,
      state,
      description: input.description,
      address: input.address,
      location: input.location,
      ...placement,
      department: route.department,
      level: route.level,
      step: step ?? undefined,
      stepDueAt: stepDueAt ?? undefined,
      reporter: input.reporter,
      mediaUrl: input.mediaUrl,
      at,
    };
    return this.db.transaction(async (tx) => {
      const ticket = await ticketRepository.create(tx, fields);
      await ticketRepository.appendTransition(tx, {
        ticketId: ticket.id,
        action: 'create',
        from: null,
        to: state,
        actor: actor.name,
        role: actor.role,
        note: input.description ?? null,
        at,
      });
      return ticket;
    });
  }

  /** One step of the loop, checked against the state machine, with its audit row; all or nothing. */
  async transition(
    id: number,
    request: TransitionRequest,
    actor: Actor,
    at: Date,
  ): Promise<{ ticket: Ticket; transition: TransitionRecord }> {
    return this.db.transaction(async (tx) => {
      const ticket = await ticketRepository.get(tx, id, { forUpdate: true });
      if (!ticket) throw new CloudError('TICKET_NOT_FOUND', `no ticket ${id}`, { ticketId: id });
      const to = nextState(ticket.state, request.action, actor.role);
      const changes: TicketChanges = { state: to };
      const level = ticket.level;
      switch (request.action) {
        case 'reject':
          changes.rejectReason = request.reason;
          break;
        case 'merge': {
          if (request.mergedInto === id) {
            throw new CloudError('TRANSITION_INVALID', 'a ticket cannot be merged into itself', {
              ticketId: id,
            });
          }
          const target = await ticketRepository.get(tx, request.mergedInto);
          if (!target || target.state === 'merged' || target.state === 'rejected') {
            throw new CloudError(
              'TRANSITION_INVALID',
              `ticket ${request.mergedInto} ${target ? `is ${target.state}` : 'does not exist'}: merge into a live ticket`,
              { mergedInto: request.mergedInto },
            );
          }
          changes.mergedInto = request.mergedInto;
          break;
        }
        case 'dispatch':
          if (request.department) changes.department = request.department;
          break;
        case 'handle':
          changes.handledNote = request.note;
          changes.proofSha256 = request.proofSha256;
          break;
        case 'close':
          changes.closedAt = at;
          break;
        case 'reopen':
          changes.closedAt = null;
          break;
        case 'assess':
          changes.rating = request.rating;
          changes.assessment = request.note ?? null;
          break;
        default:
          break;
      }
      const deadline = this.deadline(
        level,
        ticket.state,
        to,
        at,
        ticket.stepDueAt ? new Date(ticket.stepDueAt) : null,
      );
      changes.step = deadline.step;
      changes.stepDueAt = deadline.stepDueAt;
      if (deadline.stepDueAt?.toISOString() !== ticket.stepDueAt) changes.overdue = false;
      if (FINAL_STATES.includes(to)) changes.overdue = false;
      const updated = await ticketRepository.update(tx, id, changes, at);
      const note = 'reason' in request ? request.reason : (request.note ?? null);
      const transition = await ticketRepository.appendTransition(tx, {
        ticketId: id,
        action: request.action,
        from: ticket.state,
        to,
        actor: actor.name,
        role: actor.role,
        note,
        at,
      });
      return { ticket: updated, transition };
    });
  }

  /** Escalates every step past its deadline once (to the supervisors), and marks those tickets overdue. */
  async sweep(now: Date): Promise<Escalation[]> {
    return this.db.transaction((tx) => ticketRepository.escalateOverdue(tx, now, 'supervisor'));
  }

  get(id: number): Promise<Ticket | undefined> {
    return ticketRepository.get(this.db, id);
  }

  history(id: number): Promise<TransitionRecord[]> {
    return ticketRepository.history(this.db, id);
  }
}

export type { Step };
