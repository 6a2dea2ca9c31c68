import type { VehicleCandidate } from '../../foundation/contract/events.ts';
import type { Queryable } from '../db/database.ts';
import type { Truck } from '../permits/trucks.ts';
import type { Escalation, Ticket, TransitionRecord } from '../tickets/ticket-schema.ts';
import type { Step, TicketState } from '../tickets/ticket-state-machine.ts';
import { insertIncidentTickets } from './incident-tickets-sql.ts';

/** What a new ticket is made of (its state, step and deadline decided by the service). */
export interface NewTicket {
  source: Ticket['source'];
  category: string;
  state: TicketState;
  incidentId?: number | undefined;
  cameraId?: string | undefined;
  deviceId?: string | undefined;
  model?: { name: string; version: string } | undefined;
  description?: string | undefined;
  address?: string | undefined;
  location?: { lat: number; lon: number } | undefined;
  gridId?: string | undefined;
  communityId?: string | undefined;
  streetId?: string | undefined;
  districtId?: string | undefined;
  department: string;
  level: number;
  step: Step | undefined;
  stepDueAt: Date | undefined;
  reporter?: string | undefined;
  mediaUrl?: string | undefined;
  at: Date;
}

/** Columns a transition may change. */
export interface TicketChanges {
  state?: TicketState;
  department?: string;
  level?: number;
  step?: Step | null;
  stepDueAt?: Date | null;
  overdue?: boolean;
  mergedInto?: number;
  rejectReason?: string;
  handledNote?: string;
  proofSha256?: string;
  rating?: number;
  assessment?: string | null;
  location?: { lat: number; lon: number } | null;
  gridId?: string | null;
  communityId?: string | null;
  streetId?: string | null;
  districtId?: string | null;
  closedAt?: Date | null;
}

export interface TicketFilter {
  state?: TicketState[] | undefined;
  source?: string | undefined;
  category?: string | undefined;
  department?: string | undefined;
  place?: string | undefined;
  overdue?: boolean | undefined;
  ids?: number[] | undefined;
  createdFrom?: Date | undefined;
  createdTo?: Date | undefined;
  limit?: number | undefined;
  offset?: number | undefined;
}

const COLUMNS: Record<keyof Omit<TicketChanges, 'location'>, string> = {
  state: 'state',
  department: 'department',
  level: 'level',
  step: 'step',
  stepDueAt: 'step_due_at',
  overdue: 'overdue',
  mergedInto: 'merged_into',
  rejectReason: 'reject_reason',
  handledNote: 'handled_note',
  proofSha256: 'proof_sha256',
  rating: 'rating',
  assessment: 'assessment',
  gridId: 'grid_id',
  communityId: 'community_id',
  streetId: 'street_id',
  districtId: 'district_id',
  closedAt: 'closed_at',
};

type Row = Record<string, unknown>;
const iso = (value: unknown) => (value == null ? null : new Date(value as string | Date).toISOString());
const str = (value: unknown) => (value == null ? null : String(value));
const num = (value: unknown) => (value == null ? null : Number(value));

function toTicket(row: Row): Ticket {
  return {
    id: Number(row.id),
    source: row.source as Ticket['source'],
    category: row.category as Ticket['category'],
    state: row.state as TicketState,
    incidentId: num(row.incident_id),
    cameraId: str(row.camera_id),
    deviceId: str(row.device_id),
    model:
      row.model_name == null ? null : { name: String(row.model_name), version: String(row.model_version) },
    description: str(row.description),
    address: str(row.address),
    location: row.lat == null ? null : { lat: Number(row.lat), lon: Number(row.lon) },
    gridId: str(row.grid_id),
    communityId: str(row.community_id),
    streetId: str(row.street_id),
    districtId: str(row.district_id),
    department: String(row.department),
    level: Number(row.level),
    step: (row.step ?? null) as Ticket['step'],
    stepDueAt: iso(row.step_due_at),
    overdue: Boolean(row.overdue),
    mergedInto: num(row.merged_into),
    rejectReason: str(row.reject_reason),
    handledNote: str(row.handled_note),
    proofSha256: str(row.proof_sha256),
    rating: num(row.rating),
    assessment: str(row.assessment),
    reporter: str(row.reporter),
    mediaUrl: str(row.media_url),
    createdAt: iso(row.created_at) as string,
    updatedAt: iso(row.updated_at) as string,
    closedAt: iso(row.closed_at),
    vehicles: (row.vehicles ?? null) as VehicleCandidate[] | null,
    trucks: (row.trucks ?? null) as Truck[] | null,
  };
}

export class TicketRepository {
  constructor(private readonly db: Queryable) {}

  async create(t: NewTicket): Promise<Ticket> {
    const rows = await this.db.query<Row>(
      `INSERT INTO tickets (source, category, state, incident_id, camera_id, model_name, model_version,
         description, address, lat, lon, grid_id, community_id, street_id, district_id, department, level,
         step, step_due_at, reporter, media_url, created_at, updated_at, device_id)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$22,$23)
       RETURNING *`,
      [
        t.source,
        t.category,
        t.state,
        t.incidentId ?? null,
        t.cameraId ?? null,
        t.model?.name ?? null,
        t.model?.version ?? null,
        t.description ?? null,
        t.address ?? null,
        t.location?.lat ?? null,
        t.location?.lon ?? null,
        t.gridId ?? null,
        t.communityId ?? null,
        t.streetId ?? null,
        t.districtId ?? null,
        t.department,
        t.level,
        t.step ?? null,
        t.stepDueAt ?? null,
        t.reporter ?? null,
        t.mediaUrl ?? null,
        t.at,
        t.deviceId ?? null,
      ],
    );
    return toTicket(rows[0] as Row);
  }

  /** New tickets of incidents, each with its `create` transition by `actor`, in one statement; in their order. */
  async createForIncidents(
    tickets: readonly (NewTicket & { incidentId: number; actor: string })[],
  ): Promise<Ticket[]> {
    return (await insertIncidentTickets(this.db, tickets)).map(toTicket);
  }

  async get(id: number, options: { forUpdate?: boolean } = {}): Promise<Ticket | undefined> {
    const rows = await this.db.query<Row>(
      `SELECT * FROM tickets WHERE id = $1${options.forUpdate ? ' FOR UPDATE' : ''}`,
      [id],
    );
    return rows[0] ? toTicket(rows[0]) : undefined;
  }

  async byIncident(incidentId: number): Promise<Ticket | undefined> {
    const rows = await this.db.query<Row>('SELECT * FROM tickets WHERE incident_id = $1 FOR UPDATE', [
      incidentId,
    ]);
    return rows[0] ? toTicket(rows[0]) : undefined;
  }

  /** Replaces the candidate trucks of an incident's ticket; undefined when the incident has none. */
  async setVehicles(
    incidentId: number,
    vehicles: readonly VehicleCandidate[],
    at: Date,
  ): Promise<Ticket | undefined> {
    const rows = await this.db.query<Row>(
      'UPDATE tickets SET vehicles = $2, updated_at = $3 WHERE incident_id = $1 RETURNING *',
      [incidentId, JSON.stringify(vehicles), at],
    );
    return rows[0] ? toTicket(rows[0]) : undefined;
  }

  /** Replaces the plate-read trucks of a ticket. */
  async setTrucks(id: number, trucks: readonly Truck[], at: Date): Promise<Ticket> {
    const rows = await this.db.query<Row>(
      'UPDATE tickets SET trucks = $2, updated_at = $3 WHERE id = $1 RETURNING *',
      [id, JSON.stringify(trucks), at],
    );
    return toTicket(rows[0] as Row);
  }

  async update(id: number, changes: TicketChanges, at: Date): Promise<Ticket> {
    const sets: string[] = [];
    const params: unknown[] = [];
    for (const [key, value] of Object.entries(changes)) {
      if (value === undefined) continue;
      if (key === 'location') {
        const location = value as TicketChanges['location'];
        params.push(location?.lat ?? null, location?.lon ?? null);
        sets.push(`lat = $${params.length - 1}`, `lon = $${params.length}`);
        continue;
      }
      params.push(value);
      sets.push(`${COLUMNS[key as keyof typeof COLUMNS]} = $${params.length}`);
    }
    params.push(at, id);
    sets.push(`updated_at = $${params.length - 1}`);
    const rows = await this.db.query<Row>(
      `UPDATE tickets SET ${sets.join(', ')} WHERE id = $${params.length} RETURNING *`,
      params,
    );
    return toTicket(rows[0] as Row);
  }

  async list(filter: TicketFilter): Promise<{ tickets: Ticket[]; total: number }> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: (n: string) => string, value: unknown) => {
      params.push(value);
      where.push(sql(`$${params.length}`));
    };
    if (filter.state?.length) add((p) => `state = ANY(${p}::text[])`, filter.state);
    if (filter.source) add((p) => `source = ${p}`, filter.source);
    if (filter.category) add((p) => `category = ${p}`, filter.category);
    if (filter.department) add((p) => `department = ${p}`, filter.department);
    if (filter.place)
      add(
        (p) => `(grid_id = ${p} OR community_id = ${p} OR street_id = ${p} OR district_id = ${p})`,
        filter.place,
      );
    if (filter.overdue !== undefined) add((p) => `overdue = ${p}`, filter.overdue);
    if (filter.ids?.length) add((p) => `id = ANY(${p}::bigint[])`, filter.ids);
    if (filter.createdFrom) add((p) => `created_at >= ${p}`, filter.createdFrom);
    if (filter.createdTo) add((p) => `created_at <= ${p}`, filter.createdTo);
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const total = await this.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM tickets ${clause}`,
      params,
    );
    params.push(filter.limit ?? 100, filter.offset ?? 0);
    const rows = await this.db.query<Row>(
      `SELECT * FROM tickets ${clause} ORDER BY id DESC LIMIT $${params.length - 1} OFFSET $${params.length}`,
      params,
    );
    return { tickets: rows.map(toTicket), total: total[0]?.n ?? 0 };
  }

  async appendTransition(
    record: Omit<TransitionRecord, 'id' | 'at'> & { at: Date },
  ): Promise<TransitionRecord> {
    const rows = await this.db.query<Row>(
      `INSERT INTO ticket_transitions (ticket_id, action, from_state, to_state, actor, role, note, at)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8) RETURNING *`,
      [
        record.ticketId,
        record.action,
        record.from,
        record.to,
        record.actor,
        record.role,
        record.note,
        record.at,
      ],
    );
    return toTransition(rows[0] as Row);
  }

  async history(ticketId: number): Promise<TransitionRecord[]> {
    const rows = await this.db.query<Row>(
      'SELECT * FROM ticket_transitions WHERE ticket_id = $1 ORDER BY id',
      [ticketId],
    );
    return rows.map(toTransition);
  }

  /** Tickets whose running step is past its deadline and not yet escalated for that deadline. */
  async escalateOverdue(now: Date, notifyRole: string): Promise<Escalation[]> {
    const rows = await this.db.query<Row>(
      `INSERT INTO escalations (ticket_id, step, due_at, escalated_at, notify_role)
       SELECT id, step, step_due_at, $1, $2 FROM tickets
        WHERE step IS NOT NULL AND step_due_at < $1
       ON CONFLICT (ticket_id, step, due_at) DO NOTHING
       RETURNING *`,
      [now, notifyRole],
    );
    await this.db.query(
      'UPDATE tickets SET overdue = true WHERE step IS NOT NULL AND step_due_at < $1 AND NOT overdue',
      [now],
    );
    return rows.map(toEscalation);
  }

  async escalations(filter: { ticketId?: number; limit?: number } = {}): Promise<Escalation[]> {
    const rows = await this.db.query<Row>(
      `SELECT * FROM escalations ${filter.ticketId ? 'WHERE ticket_id = $2' : ''} ORDER BY id DESC LIMIT $1`,
      filter.ticketId ? [filter.limit ?? 100, filter.ticketId] : [filter.limit ?? 100],
    );
    return rows.map(toEscalation);
  }

  /** How many tickets are in each state that is not final (for /metrics). */
  async openCountsByState(finalStates: readonly TicketState[]): Promise<Map<TicketState, number>> {
    const rows = await this.db.query<{ state: TicketState; n: number }>(
      'SELECT state, count(*)::int AS n FROM tickets WHERE NOT (state = ANY($1::text[])) GROUP BY state',
      [finalStates],
    );
    return new Map(rows.map((r) => [r.state, r.n]));
  }
}

function toTransition(row: Row): TransitionRecord {
  return {
    id: Number(row.id),
    ticketId: Number(row.ticket_id),
    action: String(row.action),
    from: (row.from_state ?? null) as TicketState | null,
    to: row.to_state as TicketState,
    actor: String(row.actor),
    role: String(row.role),
    note: str(row.note),
    at: iso(row.at) as string,
  };
}

function toEscalation(row: Row): Escalation {
  return {
    id: Number(row.id),
    ticketId: Number(row.ticket_id),
    step: row.step as Step,
    dueAt: iso(row.due_at) as string,
    escalatedAt: iso(row.escalated_at) as string,
    notifyRole: String(row.notify_role),
  };
}
