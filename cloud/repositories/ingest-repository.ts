import { createHash } from 'node:crypto';
import type { EdgeStatus } from '../../foundation/contract/edge-status.ts';
import { type IncidentMessage, isDeviceEvent } from '../../foundation/contract/events.ts';
import { CONTRACT_LIMITS } from '../../foundation/contract/limits.ts';
import type { Queryable } from '../db/database.ts';
import type { DeadLetterCode } from '../errors.ts';

type Row = Record<string, unknown>;
const iso = (value: unknown) => new Date(value as string | Date).toISOString();

export interface DeadLetter {
  id: number;
  code: DeadLetterCode;
  reason: string;
  topic: string;
  /** The raw bytes as received, base64: the first CONTRACT_LIMITS.deadLetterPayloadBytes of them. */
  payloadBase64: string;
  /** Size and sha256 (hex) of the whole payload as received. */
  payloadBytes: number;
  payloadSha256: string;
  /** True when `payloadBase64` holds only the start of the payload. */
  payloadTruncated: boolean;
  receivedAt: string;
}

export interface EdgeRecord {
  edgeId: string;
  state: 'online' | 'offline';
  status: EdgeStatus;
  /** When the cloud received the status shown (statuses are ordered by arrival). */
  updatedAt: string;
  /** The status's own `at`, by the edge's clock; null for a Last Will, which has none. */
  reportedAt: string | null;
  /**
   * The edge's `at` minus the arrival, in seconds, from the last status that had an `at`:
   * positive when the edge's clock is ahead. A delayed delivery reads lower; null before any.
   */
  clockSkewSeconds: number | null;
}

export type StoredEvent = IncidentMessage & { receivedAt: string; cloudIncidentId: number | null };

export class IngestRepository {
  constructor(private readonly db: Queryable) {}

  /** Which of these eventIds are stored already. */
  async storedEventIds(eventIds: readonly string[]): Promise<Set<string>> {
    if (eventIds.length === 0) return new Set();
    const rows = await this.db.query<{ event_id: string }>(
      'SELECT event_id FROM events WHERE event_id = ANY($1::text[])',
      [eventIds],
    );
    return new Set(rows.map((r) => r.event_id));
  }

  /**
   * Stores, in one statement, each event whose eventId is not stored yet, with its cloud incident
   * (the caller passes each eventId once); the eventIds that were new. Several instances storing
   * one event at once: one stores it, the other waits for that commit and finds it there.
   */
  async insertEvents(
    events: readonly { event: IncidentMessage; topic: string; incidentId: number }[],
    at: Date,
  ): Promise<Set<string>> {
    if (events.length === 0) return new Set();
    const rows = events.map(({ event, topic, incidentId }) => {
      const device = isDeviceEvent(event);
      return {
        event_id: event.eventId,
        edge_incident_id: event.incidentId,
        incident_id: incidentId,
        edge_id: device ? event.nodeId : event.edgeId,
        camera_id: device ? null : event.cameraId,
        type: event.type,
        phase: event.phase,
        sequence: event.sequence,
        observed_at: event.observedAt,
        topic,
        payload: event,
        source: device ? 'device' : 'camera',
        device_id: device ? event.deviceId : null,
      };
    });
    const stored = await this.db.query<{ event_id: string }>(
      `INSERT INTO events (event_id, edge_incident_id, incident_id, edge_id, camera_id, type, phase, sequence,
         observed_at, topic, payload, received_at, source, device_id)
       SELECT r.event_id, r.edge_incident_id, r.incident_id, r.edge_id, r.camera_id, r.type, r.phase, r.sequence,
              r.observed_at, r.topic, r.payload, $2, r.source, r.device_id
         FROM jsonb_to_recordset($1::jsonb) AS r(event_id text, edge_incident_id text, incident_id bigint,
              edge_id text, camera_id text, type text, phase text, sequence integer, observed_at timestamptz,
              topic text, payload jsonb, source text, device_id text)
       ON CONFLICT (event_id) DO NOTHING RETURNING event_id`,
      [JSON.stringify(rows), at],
    );
    return new Set(stored.map((r) => r.event_id));
  }

  /**
   * Keeps the refused message: the first CONTRACT_LIMITS.deadLetterPayloadBytes of its payload,
   * with the whole payload's size and sha256, so that no message can make the table (or a listing
   * of it) as large as it likes.
   */
  async insertDeadLetter(
    letter: { code: DeadLetterCode; reason: string; topic: string; payload: Uint8Array },
    at: Date,
  ): Promise<void> {
    const bytes = Buffer.from(letter.payload.buffer, letter.payload.byteOffset, letter.payload.byteLength);
    const kept = bytes.subarray(0, CONTRACT_LIMITS.deadLetterPayloadBytes);
    await this.db.query(
      `INSERT INTO dead_letters (code, reason, topic, payload, payload_bytes, payload_sha256, payload_truncated, received_at)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`,
      [
        letter.code,
        safeText(letter.reason, 4000),
        safeText(letter.topic, 1000),
        Buffer.from(kept),
        bytes.byteLength,
        createHash('sha256').update(bytes).digest('hex'),
        kept.byteLength < bytes.byteLength,
        at,
      ],
    );
  }

  /**
   * The edge's state is the status that arrived last (`at`, the cloud's clock): the edge's own
   * `at` may come from a wrong clock, and its Last Will has none. The `at` is kept beside it, and
   * how far it is from the arrival.
   */
  async upsertEdgeStatus(edgeId: string, status: EdgeStatus, at: Date): Promise<void> {
    const reported = status.at ? new Date(status.at) : null;
    const skew = reported ? (reported.getTime() - at.getTime()) / 1000 : null;
    await this.db.query(
      `INSERT INTO edges (edge_id, state, status, updated_at, reported_at, clock_skew_seconds)
       VALUES ($1,$2,$3,$4,$5,$6)
       ON CONFLICT (edge_id) DO UPDATE SET state = $2, status = $3, updated_at = $4, reported_at = $5,
         clock_skew_seconds = COALESCE($6, edges.clock_skew_seconds)`,
      [edgeId, status.state, JSON.stringify(status), at, reported, skew],
    );
  }

  async edges(): Promise<EdgeRecord[]> {
    const rows = await this.db.query<Row>('SELECT * FROM edges ORDER BY edge_id');
    return rows.map((r) => ({
      edgeId: String(r.edge_id),
      state: r.state as EdgeRecord['state'],
      status: r.status as EdgeStatus,
      updatedAt: iso(r.updated_at),
      reportedAt: r.reported_at == null ? null : iso(r.reported_at),
      clockSkewSeconds: r.clock_skew_seconds == null ? null : Number(r.clock_skew_seconds),
    }));
  }

  /** Whether the database answers at all (tells an outage from a fault). */
  async reachable(): Promise<boolean> {
    try {
      await this.db.query('SELECT 1');
      return true;
    } catch {
      return false;
    }
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

  /** The newest dead letters (older than id `before`, when given), `limit` of them at most. */
  async deadLetters(limit: number, before?: number): Promise<DeadLetter[]> {
    const rows = await this.db.query<Row>(
      `SELECT id, code, reason, topic, substring(payload from 1 for $3) AS payload, payload_bytes,
              payload_sha256, payload_truncated, received_at
         FROM dead_letters WHERE ($2::bigint IS NULL OR id < $2) ORDER BY id DESC LIMIT $1`,
      [limit, before ?? null, CONTRACT_LIMITS.deadLetterPayloadBytes],
    );
    return rows.map((r) => ({
      id: Number(r.id),
      code: r.code as DeadLetterCode,
      reason: String(r.reason),
      topic: String(r.topic),
      payloadBase64: Buffer.from(r.payload as Uint8Array).toString('base64'),
      payloadBytes: Number(r.payload_bytes),
      payloadSha256: String(r.payload_sha256),
      payloadTruncated: Boolean(r.payload_truncated),
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

/** Postgres text cannot hold U+0000; a dead letter's reason may quote the bad input, at any length. */
function safeText(text: string, max: number): string {
  return text.slice(0, max).replaceAll('\u0000', '\\u0000');
}
