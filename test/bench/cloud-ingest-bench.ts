import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { connectAsync } from 'mqtt';
import { type RunningCloud, startCloud } from '../../cloud/app/start-cloud.ts';
import { resolveCloudConfig } from '../../cloud/config/load-cloud-config.ts';
import { topics } from '../../foundation/contract/topics.ts';
import { backends } from '../cloud/support/databases.ts';
import { FIXTURE_DIR, fixtureConfig, token } from '../cloud/support/fixtures.ts';
import { benchCloudBacklog, INCIDENT_SIZE, runPattern, wireAt } from './cloud-backlog-bench.ts';
import { percentile, printTable } from './stats.ts';

const BROKER_URL = process.env.BENCH_MQTT_URL ?? 'mqtt://127.0.0.1:1883';
/**
 * Published but not yet handled, at most: enough for the cloud's batches (500 by default) to fill,
 * and under the 1,000 queued QoS 1 messages past which Mosquitto drops by default. Under load,
 * publish→visible latency is mostly this queue's wait.
 */
const WINDOW = 900;
/** The offered rate of the latency run (issue 14: p99 publish→ticket visible at 1,000 events/s). */
const OFFERED_PER_SECOND = 1000;
const unique = () => randomBytes(4).toString('hex');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Incidents of 10 events (start, 8 updates, end) of one edge, as the wire carries them. */
const wireFor = (run: string, total: number) => Array.from({ length: total }, (_, n) => wireAt(run, n));

/** What receives the events: how many it has taken, and when each start was seen. */
interface Sink {
  /** Cheap, for pacing the publisher (may count other traffic of the shared broker). */
  handled(): number;
  /** This run's events taken for good. */
  committed(): number | Promise<number>;
  /** Edge incident id → when its start became visible (ms, performance.now()). */
  visible: Map<string, number>;
  finish(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Publishes at most WINDOW ahead of what the sink has handled (and, given a rate, no faster than
 * it), waits for all of it, and returns events/s and, for each incident, the time from
 * publishing its start to the sink seeing it.
 */
async function drive(run: string, total: number, sink: Sink, perSecond?: number) {
  const wire = wireFor(run, total);
  const edge = await connectAsync(BROKER_URL, {
    protocolVersion: 5,
    clientId: `bench-edge-${unique()}`,
    reconnectPeriod: 0,
  });
  const publishedAt = new Map<string, number>();
  const acks: Promise<unknown>[] = [];
  const t0 = performance.now();
  for (const [n, m] of wire.entries()) {
    const dueMs = perSecond === undefined ? 0 : t0 + (n * 1000) / perSecond - performance.now();
    if (dueMs > 1) await sleep(dueMs);
    while (acks.length - sink.handled() >= WINDOW) await sleep(1);
    if (m.start) publishedAt.set(m.incidentId, performance.now());
    acks.push(edge.publishAsync(m.topic, m.payload, { qos: 1 }));
  }
  await Promise.all(acks);
  while ((await sink.committed()) < total) await sleep(10);
  const seconds = (performance.now() - t0) / 1000;
  await sink.finish();
  await edge.endAsync();
  const latencies = [...publishedAt].flatMap(([id, at]) => {
    const seen = sink.visible.get(id);
    return seen === undefined ? [] : [seen - at];
  });
  return { rate: total / seconds, latencies, missing: publishedAt.size - latencies.length };
}

/** A bare mqtt.js subscriber on the cloud's filter and QoS that only counts this run's messages. */
async function countingSubscriber(run: string): Promise<Sink> {
  const client = await connectAsync(BROKER_URL, {
    protocolVersion: 5,
    clientId: `bench-counter-${unique()}`,
    reconnectPeriod: 0,
  });
  let count = 0;
  const visible = new Map<string, number>();
  const mark = `:${run}-`;
  client.on('message', (_topic, payload) => {
    const event = JSON.parse(payload.toString()) as { incidentId?: string; sequence: number };
    if (!event.incidentId?.includes(mark)) return;
    count++;
    if (event.sequence === 0) visible.set(event.incidentId, performance.now());
  });
  await client.subscribeAsync(topics.sharedEvents(`bench-${unique()}`), { qos: 1 });
  return {
    handled: () => count,
    committed: () => count,
    visible,
    finish: async () => {},
    stop: () => client.endAsync(),
  };
}

/**
 * A whole cloud instance; a start counts as visible when its ticket is listed by GET
 * /api/v1/tickets, polled as an operator's screen would. Events are counted in the database, since
 * other traffic on the shared broker reaches the instance too.
 */
async function cloudSink(cloud: RunningCloud, run: string): Promise<Sink> {
  const ticketSeen = new Map<number, number>();
  let polling = true;
  const poller = (async () => {
    while (polling) {
      const res = await fetch(`${cloud.url}/api/v1/tickets?limit=1000`, {
        headers: { authorization: `Bearer ${token('operator')}` },
      });
      const at = performance.now();
      const body = (await res.json()) as { tickets: { incidentId: number | null }[] };
      for (const t of body.tickets)
        if (t.incidentId !== null && !ticketSeen.has(t.incidentId)) ticketSeen.set(t.incidentId, at);
      await sleep(20);
    }
  })();
  const visible = new Map<string, number>();
  return {
    handled: () => cloud.core.processor.counters.events + cloud.core.processor.counters.duplicates,
    committed: async () => {
      const rows = await cloud.db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM events WHERE edge_incident_id LIKE $1',
        [runPattern(run)],
      );
      return rows[0]?.n ?? 0;
    },
    visible,
    finish: async () => {
      // The last tickets may be committed after the last poll began.
      await sleep(100);
      polling = false;
      await poller;
      const rows = await cloud.db.query<{ edge_incident_id: string; incident_id: string }>(
        'SELECT edge_incident_id, incident_id::text FROM events WHERE edge_incident_id LIKE $1 AND sequence = 0',
        [runPattern(run)],
      );
      for (const row of rows) {
        const at = ticketSeen.get(Number(row.incident_id));
        if (at !== undefined) visible.set(row.edge_incident_id, at);
      }
    },
    stop: () => cloud.stop(),
  };
}

async function startBenchCloud(databaseUrl: string | undefined): Promise<RunningCloud> {
  const base = await fixtureConfig();
  const cloud = await startCloud(
    resolveCloudConfig(
      {
        ...base,
        database: databaseUrl ? { url: databaseUrl } : {},
        api: { host: '127.0.0.1', port: 0 },
        mqtt: {
          ...base.mqtt,
          url: BROKER_URL,
          protocolVersion: 5,
          group: `bench-${unique()}`,
          clientId: `bench-cloud-${unique()}`,
          sessionExpirySeconds: 5,
        },
      },
      FIXTURE_DIR,
    ),
    { logger: false, ui: false },
  );
  // The shared subscription is in place shortly after the CONNACK.
  await sleep(500);
  return cloud;
}

const loadAverage = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

type Run = { label: string; open(run: string): Promise<{ sink: Sink; dispose(): Promise<void> }> };

function runs(): Run[] {
  return [
    {
      label: 'bare subscriber, counts only (baseline)',
      open: async (run) => ({ sink: await countingSubscriber(run), dispose: async () => {} }),
    },
    ...backends.map((backend) => ({
      label: `cloud on ${backend.name}`,
      open: async (run: string) => {
        const created = backend.name === 'postgres' ? await backend.create() : undefined;
        const cloud = await startBenchCloud(created?.url);
        return {
          sink: await cloudSink(cloud, run),
          dispose: async () => {
            await created?.dispose();
          },
        };
      },
    })),
  ];
}

/** Each run once: events/s (and its ratio to the first run's), p50/p99 publish→visible. */
async function table(total: number, perSecond: number | undefined): Promise<(string | number)[][]> {
  const rows: (string | number)[][] = [];
  let baseline = Number.NaN;
  for (const { label, open } of runs()) {
    const run = `bench${unique()}`;
    const { sink, dispose } = await open(run);
    const result = await drive(run, total, sink, perSecond);
    await sink.stop();
    await dispose();
    if (Number.isNaN(baseline)) baseline = result.rate;
    rows.push([
      label,
      Math.round(result.rate),
      (result.rate / baseline).toFixed(3),
      percentile(result.latencies, 50),
      percentile(result.latencies, 99),
      `${result.latencies.length}/${result.latencies.length + result.missing}`,
    ]);
  }
  return rows;
}

/**
 * `npm run bench`: issue 14's figures for one cloud instance (group commit, default batches),
 * each against a bare mqtt.js subscriber in the same run: events/s sustained from MQTT publish
 * (shared Mosquitto, MQTT 5, QoS 1) to committed event, incident and ticket on embedded PGlite and
 * on PostgreSQL; p50/p99 from publishing an incident's start to its ticket listed by the API at
 * 1,000 events/s offered (for the baseline: to the message arriving); then a 100,000-event backlog
 * drained (cloud-backlog-bench.ts). The load average is printed with each table: on a shared
 * machine the figures are noisy.
 */
export async function benchCloudIngest(total = 5000): Promise<void> {
  const header = ['what', 'events/s', 'ratio', 'p50 ms', 'p99 ms', 'starts timed'];
  const sustained = await table(total, undefined);
  printTable(
    `cloud ingest, sustained: ${total} events (incidents of ${INCIDENT_SIZE}) on 3 registered cameras, published to ${BROKER_URL} as fast as handled, one consumer, at most ${WINDOW} in flight; load average ${loadAverage()}`,
    [header, ...sustained],
  );
  const paced = await table(total, OFFERED_PER_SECOND);
  printTable(
    `cloud ingest, ${OFFERED_PER_SECOND} events/s offered: ${total} events; p50/p99 publish → ticket listed by GET /api/v1/tickets (polled every 20 ms); load average ${loadAverage()}`,
    [header, ...paced],
  );
  await benchCloudBacklog(Number(process.env.BENCH_BACKLOG ?? 100_000));
}
