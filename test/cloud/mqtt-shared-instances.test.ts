import { randomBytes } from 'node:crypto';
import { connectAsync, type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningCloud, startCloud } from '../../cloud/app/start-cloud.ts';
import { resolveCloudConfig } from '../../cloud/config/load-cloud-config.ts';
import type { Database } from '../../cloud/db/database.ts';
import { sleep, startMosquitto } from '../delivery/mosquitto.ts';
import { backendNamed, backends } from './support/databases.ts';
import { edgeEvent, message } from './support/events.ts';
import { FIXTURE_DIR, fixtureConfig, token } from './support/fixtures.ts';

/** Real MQTT clients publish to Mosquitto (MQTT 5); whole cloud instances consume and store. */

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const unique = () => randomBytes(4).toString('hex');

async function until(probe: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

async function instance(
  brokerUrl: string,
  group: string,
  clientId: string,
  databaseUrl?: string,
): Promise<RunningCloud> {
  const base = await fixtureConfig();
  const cloud = await startCloud(
    resolveCloudConfig(
      {
        ...base,
        database: databaseUrl ? { url: databaseUrl } : {},
        api: { host: '127.0.0.1', port: 0 },
        // A short session: the broker forgets it soon after the test.
        mqtt: { ...base.mqtt, url: brokerUrl, protocolVersion: 5, group, clientId, sessionExpirySeconds: 5 },
      },
      FIXTURE_DIR,
    ),
    { logger: false, ui: false },
  );
  cleanups.push(() => cloud.stop());
  // startCloud returns at the CONNACK; the SUBACK of a new group's subscription comes just after.
  await sleep(300);
  return cloud;
}

async function publisher(url: string): Promise<MqttClient> {
  const client = await connectAsync(url, {
    protocolVersion: 5,
    clientId: `edge-shared-${unique()}`,
    reconnectPeriod: 0,
  });
  cleanups.push(() => client.endAsync(true));
  return client;
}

async function ticketsApi(cloud: RunningCloud) {
  const res = await fetch(`${cloud.url}/api/v1/tickets?limit=1000`, {
    headers: { authorization: `Bearer ${token('operator')}` },
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { tickets: { id: number; incidentId: number | null }[] }).tickets;
}

/** Each of this edge's incidents (by the edge's id) with the cloud incidents its events went to. */
async function incidentsOf(db: Database, edgeId: string) {
  const rows = await db.query<{ edge_incident_id: string; incident_id: string | null }>(
    'SELECT DISTINCT edge_incident_id, incident_id::text FROM events WHERE edge_id = $1',
    [edgeId],
  );
  const map = new Map<string, Set<number | null>>();
  for (const row of rows) {
    const set = map.get(row.edge_incident_id) ?? new Set();
    set.add(row.incident_id === null ? null : Number(row.incident_id));
    map.set(row.edge_incident_id, set);
  }
  return map;
}

describe('publish events with a real MQTT client', () => {
  it.each(backends.map((b) => b.name))(
    'stores 100 copies of one event (QoS 1) as one event with one ticket on %s',
    async (backendName) => {
      const broker = await startMosquitto();
      cleanups.push(() => broker.dispose());
      const created =
        backendName === 'postgres' ? await backends.find((b) => b.name === 'postgres')?.create() : undefined;
      if (created) cleanups.push(() => created.dispose());
      const cloud = await instance(broker.url, `dup-${unique()}`, `cloud-dup-${unique()}`, created?.url);
      const edgeId = `dup-${unique()}`;
      const event = edgeEvent({ edgeId, cameraId: 'cam-1', startedAt: '2026-11-21T04:00:00Z' });
      const m = message(event);
      const edge = await publisher(broker.url);
      for (let n = 0; n < 100; n++) await edge.publishAsync(m.topic, m.payload, { qos: 1 });

      const counters = cloud.core.processor.counters;
      await until(() => counters.events + counters.duplicates === 100, '100 messages handled');
      expect(counters).toMatchObject({ events: 1, duplicates: 99, deadLetters: 0 });
      const stored = await cloud.db.query('SELECT 1 FROM events WHERE event_id = $1', [event.eventId]);
      expect(stored).toHaveLength(1);
      const incidents = [...((await incidentsOf(cloud.db, edgeId)).get(event.incidentId) ?? [])];
      expect(incidents).toHaveLength(1);
      const tickets = await ticketsApi(cloud);
      expect(tickets.filter((t) => t.incidentId === incidents[0])).toHaveLength(1);
      expect(tickets).toHaveLength(1);
    },
    60_000,
  );

  it('two instances on one shared subscription and one PostgreSQL make one ticket per incident', async () => {
    const broker = await startMosquitto();
    cleanups.push(() => broker.dispose());
    const postgres = backendNamed('postgres');
    const created = await postgres.create();
    cleanups.push(() => created.dispose());
    const group = `shared-${unique()}`;
    // One at a time: each migrates the database on start.
    const first = await instance(broker.url, group, `cloud-a-${unique()}`, created.url);
    const second = await instance(broker.url, group, `cloud-b-${unique()}`, created.url);

    const edgeId = `shared-${unique()}`;
    const events = Array.from({ length: 30 }, (_, incident) =>
      Array.from({ length: 10 }, (_, sequence) =>
        edgeEvent({
          edgeId,
          cameraId: `cam-${incident % 3}`,
          key: String(incident),
          sequence,
          ...(sequence === 9 ? { phase: 'end' as const } : {}),
          startedAt: new Date(Date.UTC(2026, 10, 21, 4, incident)).toISOString(),
        }),
      ),
    ).flat();
    // Redeliveries: every seventh event again, and every start once more at the end.
    const redelivered = [
      ...events.filter((_, n) => n % 7 === 3),
      ...events.filter((e) => e.phase === 'start'),
    ];
    const wire = [...events, ...redelivered];
    const edges = await Promise.all([publisher(broker.url), publisher(broker.url)]);
    await Promise.all(
      edges.map(async (edge, k) => {
        for (const [n, event] of wire.entries()) {
          if (n % edges.length !== k) continue;
          const m = message(event);
          await edge.publishAsync(m.topic, m.payload, { qos: 1 });
        }
      }),
    );

    const handled = () =>
      [first, second].reduce(
        (sum, c) => sum + c.core.processor.counters.events + c.core.processor.counters.duplicates,
        0,
      );
    await until(() => handled() === wire.length, `${wire.length} messages handled`);
    const [a, b] = [first.core.processor.counters, second.core.processor.counters];
    expect(a.events + a.duplicates).toBeGreaterThan(0);
    expect(b.events + b.duplicates).toBeGreaterThan(0);
    expect(a.events + b.events).toBe(events.length);
    expect(a.deadLetters + b.deadLetters).toBe(0);

    const rows = await first.db.query<{ event_id: string; n: number }>(
      'SELECT event_id, count(*)::int AS n FROM events WHERE edge_id = $1 GROUP BY event_id',
      [edgeId],
    );
    expect(rows).toHaveLength(events.length);
    expect(rows.every((r) => r.n === 1)).toBe(true);

    const incidents = await incidentsOf(first.db, edgeId);
    expect(incidents.size).toBe(30);
    for (const ids of incidents.values()) expect(ids.size).toBe(1);
    const cloudIncidents = [...incidents.values()].map((ids) => [...ids][0]);
    expect(new Set(cloudIncidents).size).toBe(30);
    for (const cloud of [first, second]) {
      const tickets = await ticketsApi(cloud);
      expect(tickets).toHaveLength(30);
      for (const id of cloudIncidents) expect(tickets.filter((t) => t.incidentId === id)).toHaveLength(1);
    }
  }, 60_000);
});
