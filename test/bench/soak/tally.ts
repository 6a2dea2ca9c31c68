import pg from 'pg';
import type { ProducerRecords } from './producer-records.ts';

/** One incident as the cloud's database holds it, with the producer's key of what it is about. */
export interface CloudIncident {
  id: number;
  state: 'open' | 'ended';
  startedAt: number;
  endedAt: number | undefined;
  /** The producers' incident ids merged into it. */
  sources: string[];
  /** What the incident is about at its producer: edge, camera, scenario and zone; node, rule and device. */
  key: string;
  tickets: number;
}

export interface SoakFigures {
  produced: number;
  stored: number;
  lost: number;
  duplicateTickets: number;
  stuckIncidents: number;
  /** Explanations of the non-zero figures, for the log. */
  details: string[];
}

export interface CloudRows {
  eventIds: Set<string>;
  incidents: CloudIncident[];
  /** Dead letters by code: a refused event is lost to the tickets, but not without a trace. */
  deadLetters: Record<string, number>;
}

/** The events the database holds (their ids), its incidents with their tickets, its dead letters. */
export async function readCloud(url: string): Promise<CloudRows> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const events = await client.query<{ event_id: string }>('SELECT event_id FROM events');
    const incidents = await client.query<{
      id: string;
      state: 'open' | 'ended';
      started_at: Date;
      ended_at: Date | null;
      sources: string[];
      first: Record<string, unknown> | null;
      tickets: number;
    }>(`
      SELECT i.id, i.state, i.started_at, i.ended_at,
             array_agg(s.edge_incident_id ORDER BY s.started_at) AS sources,
             (SELECT e.payload FROM events e WHERE e.incident_id = i.id ORDER BY e.sequence LIMIT 1) AS first,
             (SELECT count(*)::int FROM tickets t WHERE t.incident_id = i.id) AS tickets
      FROM incidents i JOIN incident_sources s ON s.incident_id = i.id
      GROUP BY i.id`);
    const letters = await client.query<{ code: string; n: number }>(
      'SELECT code, count(*)::int AS n FROM dead_letters GROUP BY code ORDER BY code',
    );
    return {
      deadLetters: Object.fromEntries(letters.rows.map((r) => [r.code, r.n])),
      eventIds: new Set(events.rows.map((r) => r.event_id)),
      incidents: incidents.rows.map((r) => ({
        id: Number(r.id),
        state: r.state,
        startedAt: r.started_at.getTime(),
        endedAt: r.ended_at?.getTime(),
        sources: r.sources,
        key: keyOf(r.first, r.sources[0] ?? String(r.id)),
        tickets: r.tickets,
      })),
    };
  } finally {
    await client.end();
  }
}

function keyOf(payload: Record<string, unknown> | null, fallback: string): string {
  if (!payload) return fallback;
  const p = payload as Record<string, string | undefined>;
  return p.source === 'device'
    ? ['device', p.nodeId, p.rule, p.deviceId].join('|')
    : ['camera', p.edgeId, p.cameraId, p.scenario, p.zone ?? ''].join('|');
}

/**
 * The soak's figures. Lost: produced but not stored (by eventId). Duplicate tickets: tickets of an
 * incident that began while another incident about the same thing (same key) had not ended, so
 * one thing got two. Stuck: incidents open in the cloud although no producer holds any of their
 * sources open any more. Pure: the producers' records and the cloud's rows in, figures out.
 */
export function tally(
  producers: readonly { records: ProducerRecords; liveGeneration: number }[],
  cloud: { eventIds: ReadonlySet<string>; incidents: readonly CloudIncident[] },
): SoakFigures {
  const details: string[] = [];
  let produced = 0;
  let stored = 0;
  const missing: string[] = [];
  const openAtProducers = new Set<string>();
  for (const { records, liveGeneration } of producers) {
    for (const id of records.events.keys()) {
      produced++;
      if (cloud.eventIds.has(id)) stored++;
      else missing.push(`${records.name}: ${id}`);
    }
    for (const id of records.openIncidents(liveGeneration)) openAtProducers.add(id);
  }
  if (missing.length > 0)
    details.push(`lost: ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ', …' : ''}`);

  let duplicateTickets = 0;
  const byKey = new Map<string, CloudIncident[]>();
  for (const incident of cloud.incidents) {
    const list = byKey.get(incident.key) ?? [];
    list.push(incident);
    byKey.set(incident.key, list);
  }
  // When the cloud lacks an incident's end (a lost end event, counted as lost and stuck), the end
  // its producer gave it decides: the next incident of the same key after it is no duplicate.
  const endOf = (incident: CloudIncident): number | undefined =>
    incident.endedAt ??
    incident.sources
      .flatMap((s) => producers.map((p) => p.records.endOf(s)))
      .find((t): t is number => t !== undefined);
  for (const [key, list] of byKey) {
    const ordered = [...list].sort((a, b) => a.startedAt - b.startedAt || a.id - b.id);
    ordered.forEach((incident, k) => {
      const overlapped = ordered.slice(0, k).find((earlier) => {
        const end = endOf(earlier);
        return end === undefined || end > incident.startedAt;
      });
      if (!overlapped || incident.tickets === 0) return;
      duplicateTickets += incident.tickets;
      details.push(
        `duplicate: incident ${incident.id} (${incident.sources.join(', ')}) began while incident ${overlapped.id} (${overlapped.sources.join(', ')}) of ${key} had not ended`,
      );
    });
  }

  let stuckIncidents = 0;
  for (const incident of cloud.incidents) {
    if (incident.state !== 'open' || incident.sources.some((s) => openAtProducers.has(s))) continue;
    stuckIncidents++;
    details.push(
      `stuck: incident ${incident.id} (${incident.sources.join(', ')}) is open, its producer holds none of it open`,
    );
  }
  return { produced, stored, lost: produced - stored, duplicateTickets, stuckIncidents, details };
}
