import type { EdgeStatus } from '../../foundation/contract/edge-status.ts';
import { type IncidentMessage, isDeviceEvent } from '../../foundation/contract/events.ts';
import type { Queryable } from '../db/database.ts';
import type { DeadLetterCode } from '../errors.ts';

type Row = Record<string, unknown>;
const iso = (value: unknown) => new Date(value as string | Date).toISOString();

export interface DeadLetter {
  id: number;
  code: DeadLetterCode;
  reason: string;
  topic: string;
  /** The raw bytes, base64. */
  payloadBase64: string;
  receivedAt: string;
}

export interface EdgeRecord {
  edgeId: string;
  state: 'online' | 'offline';
  status: EdgeStatus;
  updatedAt: string;
}

export type StoredEvent = IncidentMessage & { receivedAt: string; cloudIncidentId: number | null };

export class IngestRepository {
  constructor(private readonly db: Queryable) {}

  /** Stores the event unless its eventId is stored already; true when it was new. */
  async insertEvent(event: IncidentMessage, topic: string, at: Date): Promise<boolean> {
    const device = isDeviceEvent(event);
    const rows = await this.db.query(
      `INSERT INTO events (event_id, edge_incident_id, edge_id, camera_id, type, phase, sequence, observed_at,
         topic, payload, received_at, source, device_id)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13) ON CONFLICT (event_id) DO NOTHING RETURNING event_id`,
      [
        event.eventId,
        event.incidentId,
        device ? event.nodeId : event.edgeId,
        device ? null : event.cameraId,
        event.type,
        event.phase,
        event.sequence,
        event.observedAt,
        topic,
        JSON.stringify(event),
        at,
        device ? 'device' : 'camera',
        device ? event.deviceId : null,
      ],
    );
    return rows.length === 1;
  }

  async linkEvent(eventId: string, incidentId: number): Promise<void> {
    await this.db.query('UPDATE events SET incident_id = $2 WHERE event_id = $1', [eventId, incidentId]);
  }

  async insertDeadLetter(
    letter: { code: DeadLetterCode; reason: string; topic: string; payload: Uint8Array },
    at: Date,
  ): Promise<void> {
    await this.db.query(
      'INSERT INTO dead_letters (code, reason, topic, payload, received_at) VALUES ($1,$2,$3,$4,$5)',
      [
        letter.code,
        stripNul(letter.reason).slice(0, 4000),
        stripNul(letter.topic),
        Buffer.from(letter.payload),
        at,
      ],
    );
  }

  /** Keeps the newest status per edge (a retained status redelivered late never wins). */
  async upsertEdgeStatus(edgeId: string, status: EdgeStatus, at: Date): Promise<void> {
    const statusTime = status.at ? new Date(status.at) : at;
    await this.db.query(
      `INSERT INTO edges (edge_id, state, status, updated_at) VALUES ($1,$2,$3,$4)
       ON CONFLICT (edge_id) DO UPDATE SET state = $2, status = $3, updated_at = $4
        WHERE edges.updated_at <= $4`,
      [edgeId, status.state, JSON.stringify(status), statusTime],
    );
  }

  async edges(): Promise<EdgeRecord[]> {
    const rows = await this.db.query<Row>('SELECT * FROM edges ORDER BY edge_id');
    return rows.map((r) => ({
      edgeId: String(r.edge_id),
      state: r.state as EdgeRecord['state'],
      status: r.status as EdgeStatus,
      updatedAt: iso(r.updated_at),
    }));
  }

  async events(filter: {
    incidentId?: number | undefined;
    edgeId?: string | undefined;
    limit: number;
  }): Promise<StoredEvent[]> {
    const rows = await this.db.query<Row>(
      `SELECT payload, received_at, incident_id FROM events
        WHERE ($1::bigint IS NULL OR incident_id = $1) AND ($2::text IS NULL OR edge_id = $2)
        ORDER BY observed_at DESC, event_id LIMIT $3`,
      [filter.incidentId ?? null, filter.edgeId ?? null, filter.limit],
    );
    return rows.map((r) => ({
      ...(r.payload as IncidentMessage),
      receivedAt: iso(r.received_at),
      cloudIncidentId: r.incident_id == null ? null : Number(r.incident_id),
    }));
  }

  async deadLetters(limit: number): Promise<DeadLetter[]> {
    const rows = await this.db.query<Row>('SELECT * FROM dead_letters ORDER BY id DESC LIMIT $1', [limit]);
    return rows.map((r) => ({
      id: Number(r.id),
      code: r.code as DeadLetterCode,
      reason: String(r.reason),
      topic: String(r.topic),
      payloadBase64: Buffer.from(r.payload as Uint8Array).toString('base64'),
      receivedAt: iso(r.received_at),
    }));
  }

  async counts(): Promise<{
    events: number;
    deadLetters: number;
    deadLettersByCode: Record<string, number>;
  }> {
    const [events] = await this.db.query<{ n: number }>('SELECT count(*)::int AS n FROM events');
    const byCode = await this.db.query<{ code: string; n: number }>(
      'SELECT code, count(*)::int AS n FROM dead_letters GROUP BY code ORDER BY code',
    );
    const deadLettersByCode = Object.fromEntries(byCode.map((r) => [r.code, r.n]));
    return {
      events: events?.n ?? 0,
      deadLetters: byCode.reduce((sum, r) => sum + r.n, 0),
      deadLettersByCode,
    };
  }
}

/** Postgres text cannot hold U+0000; a dead letter's reason may quote the bad input. */
function stripNul(text: string): string {
  return text.replaceAll('\u0000', '\\u0000');
}
