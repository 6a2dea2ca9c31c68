import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { connect, connectAsync } from 'mqtt';
import { startCloud } from '../../cloud/app/start-cloud.ts';
import { resolveCloudConfig } from '../../cloud/config/load-cloud-config.ts';
import { backendNamed } from '../cloud/support/databases.ts';
import { edgeEvent, message } from '../cloud/support/events.ts';
import { FIXTURE_DIR, fixtureConfig } from '../cloud/support/fixtures.ts';
import { sleep, startMosquitto, type TestBroker } from '../delivery/mosquitto.ts';
import { rssMb } from './process-stats.ts';
import { printTable } from './stats.ts';

export const INCIDENT_SIZE = 10;
/** QoS 1 publishes awaiting their PUBACK while the backlog is published. */
const PUBLISH_WINDOW = 2000;
/**
 * The benches' edge and cameras: registered in the fixture district (so incidents are placed,
 * routed and looked at for merging, as in a deployment), and far enough apart that their
 * incidents never merge.
 */
const BENCH_EDGE = 'lingnan-hub';
const BENCH_CAMERAS = ['ln-market', 'ln-school', 'ln-boundary'];

/** What the edge incidents of one bench run (`run`) have in their ids: `…:${run}-${n}`. */
export const runPattern = (run: string) => `%:${run}-%`;

/** The n-th event of a run: incidents of 10 (start, 8 updates, end) of one edge, as the wire carries them. */
export function wireAt(run: string, n: number) {
  const incident = Math.floor(n / INCIDENT_SIZE);
  const sequence = n % INCIDENT_SIZE;
  const event = edgeEvent({
    edgeId: BENCH_EDGE,
    cameraId: BENCH_CAMERAS[incident % BENCH_CAMERAS.length] as string,
    key: `${run}-${incident}`,
    sequence,
    ...(sequence === INCIDENT_SIZE - 1 ? { phase: 'end' as const } : {}),
    startedAt: new Date(Date.UTC(2026, 10, 21, 4) + incident * 60_000).toISOString(),
  });
  return { ...message(event), incidentId: event.incidentId, start: sequence === 0 };
}

/** Publishes the `total` events of a run, at most PUBLISH_WINDOW unacknowledged. */
async function publishBacklog(url: string, run: string, total: number): Promise<void> {
  const edge = await connectAsync(url, {
    protocolVersion: 5,
    clientId: `backlog-edge-${run}`,
    reconnectPeriod: 0,
  });
  const pending = new Set<Promise<unknown>>();
  for (let n = 0; n < total; n++) {
    const m = wireAt(run, n);
    const ack = edge.publishAsync(m.topic, m.payload, { qos: 1 }).finally(() => pending.delete(ack));
    pending.add(ack);
    if (pending.size >= PUBLISH_WINDOW) await Promise.race(pending);
  }
  await Promise.all(pending);
  await edge.endAsync();
}

/** Peak RSS of this process while `work` runs, read every 100 ms. */
async function peakRss<T>(work: () => Promise<T>): Promise<{ result: T; peakMb: number }> {
  let peakMb = rssMb();
  const timer = setInterval(() => {
    peakMb = Math.max(peakMb, rssMb());
  }, 100);
  try {
    return { result: await work(), peakMb: Math.max(peakMb, rssMb()) };
  } finally {
    clearInterval(timer);
  }
}

/** A bare mqtt.js client with a persistent session that only counts: the baseline drain. */
async function bareDrain(broker: TestBroker, total: number) {
  const clientId = `backlog-bare-${randomBytes(3).toString('hex')}`;
  const options = {
    protocolVersion: 5 as const,
    clientId,
    clean: false,
    reconnectPeriod: 0,
    properties: { sessionExpiryInterval: 3600 },
  };
  const first = await connectAsync(broker.url, options);
  await first.subscribeAsync('edges/+/events/#', { qos: 1 });
  await first.endAsync();
  await publishBacklog(broker.url, `bare${randomBytes(3).toString('hex')}`, total);
  return peakRss(async () => {
    const t0 = performance.now();
    let count = 0;
    // The handler is in place before the session's queue starts to flow.
    const client = connect(broker.url, options);
    await new Promise<void>((resolve) => {
      client.on('message', () => {
        if (++count === total) resolve();
      });
    });
    const seconds = (performance.now() - t0) / 1000;
    await client.endAsync();
    return seconds;
  });
}

/** The cloud on PostgreSQL, its session made, stopped; the backlog published; the cloud started again. */
async function cloudDrain(broker: TestBroker, total: number) {
  const created = await backendNamed('postgres').create();
  const base = await fixtureConfig();
  const config = resolveCloudConfig(
    {
      ...base,
      database: { url: created.url },
      api: { host: '127.0.0.1', port: 0 },
      // A plain subscription: the session holds it, and the broker queues for it while the cloud is away.
      mqtt: {
        ...base.mqtt,
        url: broker.url,
        protocolVersion: 5,
        clientId: `backlog-cloud-${randomBytes(3).toString('hex')}`,
        sessionExpirySeconds: 3600,
      },
    },
    FIXTURE_DIR,
  );
  const options = { logger: false as const, ui: false };
  await (await startCloud(config, options)).stop();
  const run = `backlog${randomBytes(3).toString('hex')}`;
  await publishBacklog(broker.url, run, total);
  const drained = await peakRss(async () => {
    const t0 = performance.now();
    const cloud = await startCloud(config, options);
    for (;;) {
      const [row] = await cloud.db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM events WHERE edge_incident_id LIKE $1',
        [runPattern(run)],
      );
      if ((row?.n ?? 0) >= total) break;
      await sleep(200);
    }
    const seconds = (performance.now() - t0) / 1000;
    const [tickets] = await cloud.db.query<{ n: number }>('SELECT count(*)::int AS n FROM tickets');
    await cloud.stop();
    return { seconds, tickets: tickets?.n ?? 0 };
  });
  await created.dispose();
  return drained;
}

/**
 * Issue 14's backlog: edges returning after an outage hand the broker `total` events at once (a
 * Mosquitto of its own, its queue unbounded), and the cloud, started after, drains them: events/s
 * from its start to the last event committed, against a bare subscriber draining the same
 * backlog, and this process's peak RSS (the bench and the cloud share the process).
 */
export async function benchCloudBacklog(total: number): Promise<void> {
  const broker = await startMosquitto({ config: ['max_queued_messages 0', 'max_inflight_messages 0'] });
  try {
    const bare = await bareDrain(broker, total);
    const before = rssMb();
    const cloud = await cloudDrain(broker, total);
    const bareRate = total / bare.result;
    const cloudRate = total / cloud.result.seconds;
    printTable(
      `cloud ingest, backlog: ${total} events queued in Mosquitto while the consumer was away, then drained; PostgreSQL; load average ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
      [
        ['what', 'events/s', 'ratio', 'seconds', 'peak RSS MB', 'tickets'],
        [
          'bare subscriber, counts only (baseline)',
          Math.round(bareRate),
          '1.000',
          bare.result,
          Math.round(bare.peakMb),
          '-',
        ],
        [
          `cloud on postgres (RSS before: ${Math.round(before)} MB)`,
          Math.round(cloudRate),
          (cloudRate / bareRate).toFixed(3),
          cloud.result.seconds,
          Math.round(cloud.peakMb),
          cloud.result.tickets,
        ],
      ],
    );
  } finally {
    await broker.dispose();
  }
}
