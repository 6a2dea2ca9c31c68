import type { Queryable } from '../db/database.ts';

type Row = Record<string, unknown>;
const iso = (value: unknown) => new Date(value as string | Date).toISOString();

/** The prefix of the source id of an edge outage the cloud opened itself (no edge reports its own absence). */
export const EDGE_OUTAGE_PREFIX = 'cloud:edge-offline:';

/** An edge outage the cloud has open: its incident and source. */
export interface OpenOutage {
  edgeId: string;
  edgeIncidentId: string;
  incidentId: number;
}

/** A maintenance ticket whose fault is over while the ticket is not finished. */
export interface RecoveredTicket {
  ticketId: number;
  state: string;
  endedAt: string;
}

/** A camera fault still open, as the camera health list shows it. */
export interface OpenCameraFault {
  edgeId: string;
  cameraId: string;
  fault: string | null;
  since: string;
  ticketId: number | null;
  ticketState: string | null;
}

/** The queries of camera and edge maintenance (cloud/health/). */
export class MaintenanceRepository {
  constructor(private readonly db: Queryable) {}

  async openOutages(): Promise<OpenOutage[]> {
    const rows = await this.db.query<Row>(
      `SELECT edge_id, edge_incident_id, incident_id FROM incident_sources
        WHERE edge_incident_id LIKE $1 AND ended_at IS NULL ORDER BY edge_id FOR UPDATE`,
      [`${EDGE_OUTAGE_PREFIX}%`],
    );
    return rows.map((r) => ({
      edgeId: String(r.edge_id),
      edgeIncidentId: String(r.edge_incident_id),
      incidentId: Number(r.incident_id),
    }));
  }

  /** camera_fault tickets not finished whose incident has ended (every camera recovered). */
  async recoveredTickets(finalStates: readonly string[]): Promise<RecoveredTicket[]> {
    const rows = await this.db.query<Row>(
      `SELECT t.id, t.state, i.ended_at FROM tickets t JOIN incidents i ON i.id = t.incident_id
        WHERE t.category = 'camera_fault' AND i.state = 'ended' AND NOT (t.state = ANY($1::text[]))
        ORDER BY t.id FOR UPDATE OF t`,
      [finalStates],
    );
    return rows.map((r) => ({ ticketId: Number(r.id), state: String(r.state), endedAt: iso(r.ended_at) }));
  }

  /** Every camera fault still open, with the fault its first event named and its ticket. */
  async openCameraFaults(): Promise<OpenCameraFault[]> {
    const rows = await this.db.query<Row>(
      `SELECT s.edge_id, s.camera_id, s.started_at, t.id AS ticket_id, t.state AS ticket_state,
              (SELECT e.payload->>'fault' FROM events e WHERE e.edge_incident_id = s.edge_incident_id
                ORDER BY e.sequence LIMIT 1) AS fault
         FROM incident_sources s JOIN incidents i ON i.id = s.incident_id
         LEFT JOIN tickets t ON t.incident_id = s.incident_id
        WHERE i.type = 'camera_fault' AND s.ended_at IS NULL AND s.camera_id IS NOT NULL
        ORDER BY s.edge_id, s.camera_id, s.started_at`,
    );
    return rows.map((r) => ({
      edgeId: String(r.edge_id),
      cameraId: String(r.camera_id),
      fault: r.fault == null ? null : String(r.fault),
      since: iso(r.started_at),
      ticketId: r.ticket_id == null ? null : Number(r.ticket_id),
      ticketState: r.ticket_state == null ? null : String(r.ticket_state),
    }));
  }
}
