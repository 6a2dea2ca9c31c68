import type { Queryable } from '../db/database.ts';

/** What the ticket of a new incident is made of (TicketRepository's NewTicket has it all). */
interface IncidentTicketFields {
  source: string;
  category: string;
  state: string;
  incidentId: number;
  cameraId?: string | undefined;
  deviceId?: string | undefined;
  model?: { name: string; version: string } | undefined;
  description?: string | undefined;
  location?: { lat: number; lon: number } | undefined;
  gridId?: string | undefined;
  communityId?: string | undefined;
  streetId?: string | undefined;
  districtId?: string | undefined;
  department: string;
  level: number;
  step: string | undefined;
  stepDueAt: Date | undefined;
  at: Date;
  /** Who the `create` transition names. */
  actor: string;
}

/**
 * Inserts the tickets of new incidents, each with its `create` transition by `actor`, in one
 * statement; the rows in the tickets' order (TicketRepository.createForIncidents).
 */
export async function insertIncidentTickets(
  db: Queryable,
  tickets: readonly IncidentTicketFields[],
): Promise<Record<string, unknown>[]> {
  if (tickets.length === 0) return [];
  return db.query<Record<string, unknown>>(
    `WITH r AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(ord integer, source text, category text, state text,
            incident_id bigint, camera_id text, model_name text, model_version text, description text,
            lat double precision, lon double precision, grid_id text, community_id text, street_id text,
            district_id text, department text, level integer, step text, step_due_at timestamptz,
            device_id text, at timestamptz, actor text)),
     t AS (INSERT INTO tickets (source, category, state, incident_id, camera_id, model_name, model_version,
            description, lat, lon, grid_id, community_id, street_id, district_id, department, level, step,
            step_due_at, created_at, updated_at, device_id)
           SELECT source, category, state, incident_id, camera_id, model_name, model_version, description, lat,
                  lon, grid_id, community_id, street_id, district_id, department, level, step, step_due_at, at,
                  at, device_id FROM r ORDER BY ord RETURNING *),
     h AS (INSERT INTO ticket_transitions (ticket_id, action, from_state, to_state, actor, role, note, at)
           SELECT t.id, 'create', NULL, t.state, r.actor, 'system', r.description, r.at
             FROM t JOIN r USING (incident_id) ORDER BY t.id)
     SELECT t.* FROM t JOIN r USING (incident_id) ORDER BY r.ord`,
    [
      JSON.stringify(
        tickets.map((t, ord) => ({
          ord,
          source: t.source,
          category: t.category,
          state: t.state,
          incident_id: t.incidentId,
          camera_id: t.cameraId ?? null,
          model_name: t.model?.name ?? null,
          model_version: t.model?.version ?? null,
          description: t.description ?? null,
          lat: t.location?.lat ?? null,
          lon: t.location?.lon ?? null,
          grid_id: t.gridId ?? null,
          community_id: t.communityId ?? null,
          street_id: t.streetId ?? null,
          district_id: t.districtId ?? null,
          department: t.department,
          level: t.level,
          step: t.step ?? null,
          step_due_at: t.stepDueAt?.toISOString() ?? null,
          device_id: t.deviceId ?? null,
          at: t.at.toISOString(),
          actor: t.actor,
        })),
      ),
    ],
  );
}
