import { isDeviceEvent, type VehicleCandidate } from '../../foundation/contract/events.ts';
import { evidencePath } from '../../foundation/contract/evidence-upload.ts';
import type { PermitsConfig, RoutingConfig } from '../config/cloud-config-schema.ts';
import { CloudError } from '../errors.ts';
import type { Placement, PlaceRegistry } from '../places/place-registry.ts';
import type { CloudStore, Repositories } from '../repositories/cloud-store.ts';
import type { NewTicket, TicketChanges, TicketFilter } from '../repositories/ticket-repository.ts';
import { deadlinesFor, routeTicket } from '../routing/route-ticket.ts';
import { DEPARTMENT_BOUND_ROLES, mayWorkTicket, type Role } from '../tickets/roles.ts';
import type { Escalation, Ticket, TransitionRecord } from '../tickets/ticket-schema.ts';
import {
  FINAL_STATES,
  nextState,
  stepOf,
  type TicketState,
  type TransitionRequest,
} from '../tickets/ticket-state-machine.ts';
import { TruckPermitJoin } from './truck-permit-join.ts';
import { mergeCandidates } from './vehicle-correlator.ts';

export interface Actor {
  name: string;
  role: Role;
  /** A handler's department: they see and act on only its tickets (cloud/tickets/roles.ts). */
  department?: string | undefined;
}

/** Refuses (OTHER_DEPARTMENT) a handler's look at or action on another department's ticket. */
function assertMayWork(actor: Actor, ticket: Ticket): void {
  if (mayWorkTicket(actor, ticket.department)) return;
  throw new CloudError(
    'OTHER_DEPARTMENT',
    `ticket ${ticket.id} is routed to ${ticket.department}; a ${actor.role} of ${actor.department ?? 'no department'} works only their department's tickets`,
    { ticketId: ticket.id, department: ticket.department },
  );
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
  /** Who the audit row names as creating it; default the camera or device that raised it. */
  actor?: string;
}

const EVIDENCE_KINDS = ['snapshot', 'snapshotAnnotated', 'before', 'clip'] as const;

/** One file of an AI incident's evidence, as a ticket lists it. */
export interface EvidenceLink {
  kind: (typeof EVIDENCE_KINDS)[number];
  sha256: string;
  contentType: string;
  /** GET it with a user token (404 until the edge's upload completes). */
  url: string;
  eventId: string;
  cameraId: string;
  observedAt: string;
}

export interface TicketServiceOptions {
  routing: RoutingConfig;
  places: PlaceRegistry;
  permits: Pick<PermitsConfig, 'utcOffsetMinutes' | 'raiseLevelBy'>;
}

/**
 * Tickets: creation (from AI incidents and from people's reports), transitions through the state
 * machine with an audit row each, and the overdue sweep. Every call takes the time it happens at.
 */
export class TicketService {
  /** Names uncovered-muck-truck tickets' trucks by plate: device, company, permit (in the caller's transaction). */
  readonly trucks: TruckPermitJoin;

  constructor(
    private readonly store: CloudStore,
    private readonly options: TicketServiceOptions,
  ) {
    this.trucks = new TruckPermitJoin(options);
  }

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
  async createForIncident(repos: Repositories, input: IncidentInput, at: Date): Promise<Ticket> {
    const [ticket] = await this.createForIncidents(repos, [input], at);
    return ticket as Ticket;
  }

  /** The tickets of new incidents, in their order, in one statement (group commit). In the caller's transaction. */
  async createForIncidents(
    repos: Repositories,
    inputs: readonly IncidentInput[],
    at: Date,
  ): Promise<Ticket[]> {
    return repos.tickets.createForIncidents(
      inputs.map((input) => {
        const route = routeTicket(this.options.routing, input.category, input.placement, at);
        const { step, stepDueAt } = this.deadline(route.level, undefined, 'new', at);
        return {
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
          actor: input.actor ?? (input.deviceId ? `device:${input.deviceId}` : `camera:${input.cameraId}`),
        };
      }),
    );
  }

  /**
   * A merged incident moved (another camera saw it): a ticket nobody has dispatched yet follows it
   * to its new place and route. Runs in the caller's transaction.
   */
  async relocateForIncident(
    repos: Repositories,
    incidentId: number,
    location: { lat: number; lon: number },
    placement: Placement,
    at: Date,
  ): Promise<Ticket | undefined> {
    const ticket = await repos.tickets.byIncident(incidentId);
    if (!ticket || (ticket.state !== 'new' && ticket.state !== 'confirmed')) return undefined;
    const route = routeTicket(this.options.routing, ticket.category, placement, new Date(ticket.createdAt));
    return repos.tickets.update(
      ticket.id,
      {
        location,
        gridId: placement.gridId ?? null,
        communityId: placement.communityId ?? null,
        streetId: placement.streetId ?? null,
        districtId: placement.districtId ?? null,
        department: route.department,
        level: this.trucks.level(route.level, ticket.trucks),
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
    return this.store.transaction(async (repos) => {
      const ticket = await repos.tickets.create(fields);
      await repos.tickets.appendTransition({
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
    return this.store.transaction(async (repos) => {
      const ticket = await repos.tickets.get(id, { forUpdate: true });
      if (!ticket) throw new CloudError('TICKET_NOT_FOUND', `no ticket ${id}`, { ticketId: id });
      assertMayWork(actor, ticket);
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
          const target = await repos.tickets.get(request.mergedInto);
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
      const updated = await repos.tickets.update(id, changes, at);
      const note = 'reason' in request ? request.reason : (request.note ?? null);
      const transition = await repos.tickets.appendTransition({
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
    return this.store.transaction((repos) => repos.tickets.escalateOverdue(now, 'supervisor'));
  }

  /**
   * Merges the trucks found for one observation into the incident's ticket, in the caller's
   * transaction. The ticket as changed; undefined when it has no ticket or its list said as much.
   */
  async mergeVehicles(
    repos: Repositories,
    incidentId: number,
    found: readonly VehicleCandidate[],
    at: Date,
  ): Promise<Ticket | undefined> {
    const ticket = await repos.tickets.byIncident(incidentId);
    if (!ticket) return undefined;
    const merged = mergeCandidates(ticket.vehicles ?? [], found);
    if (ticket.vehicles && JSON.stringify(merged) === JSON.stringify(ticket.vehicles)) return undefined;
    const updated = await repos.tickets.setVehicles(incidentId, merged, at);
    return updated && this.trucks.devicesFound(repos, updated, merged, at);
  }

  get(id: number): Promise<Ticket | undefined> {
    return this.store.tickets.get(id);
  }

  list(filter: TicketFilter): Promise<{ tickets: Ticket[]; total: number }> {
    return this.store.tickets.list(filter);
  }

  /** A ticket as `viewer` may see it: OTHER_DEPARTMENT for a handler when it is another department's. */
  async getFor(viewer: Actor, id: number): Promise<Ticket | undefined> {
    const ticket = await this.get(id);
    if (ticket) assertMayWork(viewer, ticket);
    return ticket;
  }

  /** The tickets `viewer` may see: a handler only those routed to their department. */
  async listFor(viewer: Actor, filter: TicketFilter): Promise<{ tickets: Ticket[]; total: number }> {
    if (!DEPARTMENT_BOUND_ROLES.includes(viewer.role)) return this.list(filter);
    const own = viewer.department;
    if (own === undefined || (filter.department !== undefined && filter.department !== own))
      return { tickets: [], total: 0 };
    return this.list({ ...filter, department: own });
  }

  escalations(filter: { ticketId?: number; limit?: number } = {}): Promise<Escalation[]> {
    return this.store.tickets.escalations(filter);
  }

  /** The snapshots and clips of the ticket's incident, newest first. */
  async evidence(ticket: Ticket): Promise<EvidenceLink[]> {
    if (ticket.incidentId === null) return [];
    const events = await this.store.ingest.events({ incidentId: ticket.incidentId, limit: 1000 });
    return events.flatMap((event) =>
      isDeviceEvent(event)
        ? []
        : EVIDENCE_KINDS.flatMap((kind) => {
            const file = event.evidence[kind];
            return file
              ? [
                  {
                    kind,
                    sha256: file.sha256,
                    contentType: file.contentType,
                    url: evidencePath(file.sha256),
                    eventId: event.eventId,
                    cameraId: event.cameraId,
                    observedAt: event.observedAt,
                  },
                ]
              : [];
          }),
    );
  }

  history(id: number): Promise<TransitionRecord[]> {
    return this.store.tickets.history(id);
  }
}
