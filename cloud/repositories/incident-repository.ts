import type { Queryable } from '../db/database.ts';
import type { Incident, IncidentSource } from '../incidents/incident-schema.ts';
import type { IncidentFold, SourceFold } from '../ingest/plan-batch.ts';
import type { Placement } from '../places/place-registry.ts';

type Row = Record<string, unknown>;
const iso = (value: unknown) => (value == null ? null : new Date(value as string | Date).toISOString());
const str = (value: unknown) => (value == null ? null : String(value));

export interface SourceFields {
  edgeIncidentId: string;
  edgeId: string;
  cameraId: string | undefined;
  model: { name: string; version: string } | undefined;
  deviceId: string | undefined;
  startedAt: Date;
  lastSeenAt: Date;
  endedAt: Date | undefined;
}

function toSource(row: Row): IncidentSource & { incidentId: number } {
  return {
    incidentId: Number(row.incident_id),
    edgeIncidentId: String(row.edge_incident_id),
    edgeId: String(row.edge_id),
    cameraId: str(row.camera_id),
    model:
      row.model_name == null ? null : { name: String(row.model_name), version: String(row.model_version) },
    deviceId: str(row.device_id),
    startedAt: iso(row.started_at) as string,
    lastSeenAt: iso(row.last_seen_at) as string,
    endedAt: iso(row.ended_at),
  };
}

function toIncident(row: Row, sources: IncidentSource[]): Incident {
  return {
    id: Number(row.id),
    type: String(row.type),
    state: row.state as Incident['state'],
    startedAt: iso(row.started_at) as string,
    lastSeenAt: iso(row.last_seen_at) as string,
    endedAt: iso(row.ended_at),
    location: row.lat == null ? null : { lat: Number(row.lat), lon: Number(row.lon) },
    gridId: str(row.grid_id),
    communityId: str(row.community_id),
    streetId: str(row.street_id),
    districtId: str(row.district_id),
    confidence: Number(row.confidence),
    eventCount: Number(row.event_count),
    sources,
  };
}

export class IncidentRepository {
  constructor(private readonly db: Queryable) {}

  /**
   * Until the transaction ends, no other one takes any of these keys (merge-cells.ts): taken in one
   * statement, in the order of their hashes, so that two transactions wait rather than deadlock.
   */
  async lockMergeKeys(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.db.query(
      `SELECT pg_advisory_xact_lock(h) FROM (SELECT DISTINCT hashtext(k) AS h FROM unnest($1::text[]) k ORDER BY h) s`,
      [keys],
    );
  }

  /** `count` new incident ids, taken from the sequence (the ones left unused are a gap, as a rollback leaves). */
  async allocateIds(count: number): Promise<number[]> {
    if (count === 0) return [];
    const rows = await this.db.query<{ id: number }>(
      `SELECT nextval(pg_get_serial_sequence('incidents', 'id')) AS id FROM generate_series(1, $1)`,
      [count],
    );
    return rows.map((r) => Number(r.id));
  }

  /** The cloud incident of each of these edge incidents that has a source already; the sources locked. */
  async incidentsOfSources(edgeIncidentIds: readonly string[]): Promise<Map<string, number>> {
    if (edgeIncidentIds.length === 0) return new Map();
    // Locked in one order, so that two instances locking overlapping sets wait rather than deadlock.
    const rows = await this.db.query<{ edge_incident_id: string; incident_id: number }>(
      `SELECT edge_incident_id, incident_id FROM incident_sources WHERE edge_incident_id = ANY($1::text[])
        ORDER BY edge_incident_id FOR UPDATE`,
      [edgeIncidentIds],
    );
    return new Map(rows.map((r) => [r.edge_incident_id, Number(r.incident_id)]));
  }

  /**
   * Incidents of each type whose span overlaps its [from, to], with their sources. Not locked: who
   * may join them is decided under merge keys (lockMergeKeys), and what joins them is written by
   * statements that lock the rows then.
   */
  async overlappingAny(spans: readonly { type: string; from: Date; to: Date }[]): Promise<Incident[]> {
    if (spans.length === 0) return [];
    // One span per type, the union of its spans: the caller checks each span again.
    const byType = new Map<string, { from: number; to: number }>();
    for (const { type, from, to } of spans) {
      const seen = byType.get(type) ?? { from: from.getTime(), to: to.getTime() };
      byType.set(type, { from: Math.min(seen.from, from.getTime()), to: Math.max(seen.to, to.getTime()) });
    }
    const types = [...byType.keys()];
    const rows = await this.db.query<Row>(
      `SELECT i.* FROM unnest($1::text[], $2::timestamptz[], $3::timestamptz[]) AS r(type, from_at, to_at)
         JOIN incidents i ON i.type = r.type AND coalesce(i.ended_at, i.last_seen_at) >= r.from_at
                         AND i.started_at <= r.to_at
        ORDER BY i.id`,
      [
        types,
        ...(['from', 'to'] as const).map((end) => types.map((t) => new Date(byType.get(t)?.[end] ?? 0))),
      ],
    );
    return this.withSources(rows);
  }

  async withSources(rows: Row[]): Promise<Incident[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => Number(r.id));
    const sources = (
      await this.db.query<Row>(
        'SELECT * FROM incident_sources WHERE incident_id = ANY($1::bigint[]) ORDER BY started_at',
        [ids],
      )
    ).map(toSource);
    return rows.map((row) =>
      toIncident(
        row,
        sources.filter((s) => s.incidentId === Number(row.id)).map(({ incidentId: _, ...s }) => s),
      ),
    );
  }

  async get(id: number): Promise<Incident | undefined> {
    const rows = await this.db.query<Row>('SELECT * FROM incidents WHERE id = $1', [id]);
    return (await this.withSources(rows))[0];
  }

  async list(filter: {
    state?: string | undefined;
    type?: string | undefined;
    limit: number;
    offset: number;
  }): Promise<Incident[]> {
    const rows = await this.db.query<Row>(
      `SELECT * FROM incidents WHERE ($1::text IS NULL OR state = $1) AND ($2::text IS NULL OR type = $2)
        ORDER BY id DESC LIMIT $3 OFFSET $4`,
      [filter.state ?? null, filter.type ?? null, filter.limit, filter.offset],
    );
    return this.withSources(rows);
  }

  async create(fields: {
    type: string;
    startedAt: Date;
    lastSeenAt: Date;
    confidence: number;
  }): Promise<number> {
    const rows = await this.db.query<{ id: number }>(
      `INSERT INTO incidents (type, state, started_at, last_seen_at, confidence)
       VALUES ($1, 'open', $2, $3, $4) RETURNING id`,
      [fields.type, fields.startedAt, fields.lastSeenAt, fields.confidence],
    );
    return Number(rows[0]?.id);
  }

  async addSource(incidentId: number, s: SourceFields): Promise<void> {
    await this.db.query(
      `INSERT INTO incident_sources (edge_incident_id, incident_id, edge_id, camera_id, model_name, model_version,
         started_at, last_seen_at, ended_at, device_id) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)`,
      [
        s.edgeIncidentId,
        incidentId,
        s.edgeId,
        s.cameraId ?? null,
        s.model?.name ?? null,
        s.model?.version ?? null,
        s.startedAt,
        s.lastSeenAt,
        s.endedAt ?? null,
        s.deviceId ?? null,
      ],
    );
  }

  /** Moves each source's last sighting on and ends it at its first end (one statement). */
  async foldSources(folds: readonly SourceFold[]): Promise<void> {
    if (folds.length === 0) return;
    await this.db.query(
      `UPDATE incident_sources s SET last_seen_at = greatest(s.last_seen_at, f.last_seen_at),
              ended_at = coalesce(s.ended_at, f.ended_at)
         FROM jsonb_to_recordset($1::jsonb) AS f(edge_incident_id text, last_seen_at timestamptz, ended_at timestamptz)
        WHERE s.edge_incident_id = f.edge_incident_id`,
      [
        JSON.stringify(
          folds.map((f) => ({
            edge_incident_id: f.edgeIncidentId,
            last_seen_at: f.lastSeenAt.toISOString(),
            ended_at: f.endedAt?.toISOString() ?? null,
          })),
        ),
      ],
    );
  }

  /** Recomputes the incident's span, state and confidence from its sources, and counts the event. */
  async refresh(incidentId: number, confidence: number): Promise<void> {
    await this.refreshAll([{ incidentId, confidence, events: 1 }]);
  }

  /**
   * Recomputes each incident's span and state from its sources, raises its confidence and counts
   * its events (one statement; each incident once).
   */
  async refreshAll(folds: readonly IncidentFold[]): Promise<void> {
    if (folds.length === 0) return;
    await this.db.query(
      `UPDATE incidents i SET
         started_at = s.started_at, last_seen_at = s.last_seen_at,
         ended_at = CASE WHEN s.open = 0 THEN s.ended_at END,
         state = CASE WHEN s.open = 0 THEN 'ended' ELSE 'open' END,
         confidence = greatest(i.confidence, f.confidence), event_count = i.event_count + f.events
       FROM jsonb_to_recordset($1::jsonb) AS f(incident_id bigint, confidence double precision, events integer)
       CROSS JOIN LATERAL (
         SELECT min(started_at) AS started_at, max(last_seen_at) AS last_seen_at, max(ended_at) AS ended_at,
                count(*) FILTER (WHERE ended_at IS NULL) AS open
           FROM incident_sources WHERE incident_id = f.incident_id) s
       WHERE i.id = f.incident_id`,
      [
        JSON.stringify(
          folds.map((f) => ({ incident_id: f.incidentId, confidence: f.confidence, events: f.events })),
        ),
      ],
    );
  }

  /** Inserts whole incidents (ids from allocateIds) in one statement; their sources go in with addSources. */
  async insertIncidents(incidents: readonly Incident[]): Promise<void> {
    if (incidents.length === 0) return;
    await this.db.query(
      `INSERT INTO incidents (id, type, state, started_at, last_seen_at, ended_at, lat, lon, grid_id, community_id,
         street_id, district_id, confidence, event_count)
       SELECT id, type, state, started_at, last_seen_at, ended_at, lat, lon, grid_id, community_id, street_id,
              district_id, confidence, event_count
         FROM jsonb_to_recordset($1::jsonb) AS r(id bigint, type text, state text, started_at timestamptz,
              last_seen_at timestamptz, ended_at timestamptz, lat double precision, lon double precision,
              grid_id text, community_id text, street_id text, district_id text, confidence double precision,
              event_count integer)`,
      [
        JSON.stringify(
          incidents.map((i) => ({
            id: i.id,
            type: i.type,
            state: i.state,
            started_at: i.startedAt,
            last_seen_at: i.lastSeenAt,
            ended_at: i.endedAt,
            lat: i.location?.lat ?? null,
            lon: i.location?.lon ?? null,
            grid_id: i.gridId,
            community_id: i.communityId,
            street_id: i.streetId,
            district_id: i.districtId,
            confidence: i.confidence,
            event_count: i.eventCount,
          })),
        ),
      ],
    );
  }

  /**
   * Inserts sources of incidents in one statement, each whose edge incident has none yet; how many
   * were inserted (fewer: another transaction added some of them meanwhile).
   */
  async addSources(sources: readonly (IncidentSource & { incidentId: number })[]): Promise<number> {
    if (sources.length === 0) return 0;
    const rows = await this.db.query(
      `INSERT INTO incident_sources (edge_incident_id, incident_id, edge_id, camera_id, model_name, model_version,
         started_at, last_seen_at, ended_at, device_id)
       SELECT edge_incident_id, incident_id, edge_id, camera_id, model_name, model_version, started_at,
              last_seen_at, ended_at, device_id
         FROM jsonb_to_recordset($1::jsonb) AS r(edge_incident_id text, incident_id bigint, edge_id text,
              camera_id text, model_name text, model_version text, started_at timestamptz,
              last_seen_at timestamptz, ended_at timestamptz, device_id text)
       ON CONFLICT (edge_incident_id) DO NOTHING RETURNING 1`,
      [
        JSON.stringify(
          sources.map((s) => ({
            edge_incident_id: s.edgeIncidentId,
            incident_id: s.incidentId,
            edge_id: s.edgeId,
            camera_id: s.cameraId,
            model_name: s.model?.name ?? null,
            model_version: s.model?.version ?? null,
            started_at: s.startedAt,
            last_seen_at: s.lastSeenAt,
            ended_at: s.endedAt,
            device_id: s.deviceId,
          })),
        ),
      ],
    );
    return rows.length;
  }

  async place(
    incidentId: number,
    location: { lat: number; lon: number } | undefined,
    placement: Placement,
  ): Promise<void> {
    await this.db.query(
      `UPDATE incidents SET lat = $2, lon = $3, grid_id = $4, community_id = $5, street_id = $6, district_id = $7
        WHERE id = $1`,
      [
        incidentId,
        location?.lat ?? null,
        location?.lon ?? null,
        placement.gridId ?? null,
        placement.communityId ?? null,
        placement.streetId ?? null,
        placement.districtId ?? null,
      ],
    );
  }
}
