// Issue 14, group commit over a real broker: batches form from what Mosquitto delivers, PUBACKs go
// out only after a batch's commit, and /metrics shows ingest moving.
import path from 'node:path';
import { connectAsync, type MqttClient } from 'mqtt';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { startCloud } from '../../cloud/app/start-cloud.ts';
import { resolveCloudConfig } from '../../cloud/config/load-cloud-config.ts';
import { MqttConsumer } from '../../cloud/mqtt/mqtt-consumer.ts';
import { openCloudStore } from '../../cloud/repositories/cloud-store.ts';
import { createCloudCore } from '../../cloud/services/cloud-core.ts';
import { sleep, startMosquitto, type TestBroker } from '../delivery/mosquitto.ts';
import { backendNamed, type TestDatabase } from './support/databases.ts';
import { edgeEvent, message } from './support/events.ts';
import { fixtureConfig, fixturePlaces, token } from './support/fixtures.ts';
import { until } from './support/until.ts';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Events of `incidents` edge incidents of `size` events each, interleaved as several cameras send them. */
function stream(key: string, incidents: number, size: number) {
  return Array.from({ length: incidents * size }, (_, n) =>
    edgeEvent({
      edgeId: 'lingnan-hub',
      cameraId: ['ln-market', 'ln-school'][n % 2] as string,
      key: `${key}-${n % incidents}`,
      sequence: Math.floor(n / incidents),
      startedAt: '2026-11-21T04:00:00Z',
    }),
  );
}

describe('group commit from Mosquitto (MQTT 5) into PostgreSQL', () => {
  let broker: TestBroker;
  let database: TestDatabase;

  async function consumer(clientId: string) {
    const core = createCloudCore(openCloudStore(database.db), await fixtureConfig(), await fixturePlaces());
    const batches: number[] = [];
    core.processor.observe({
      committed: (outcomes) => batches.push(outcomes.length),
      deadLettered: () => {},
    });
    const c = new MqttConsumer({
      url: broker.url,
      clientId,
      protocolVersion: 5,
      group: 'cloud',
      sessionExpirySeconds: 600,
      handle: (batch) => core.processor.processBatch(batch),
      batch: { maxMessages: 50, maxMs: 50 },
      retry: { initialMs: 50, maxMs: 200 },
    });
    await c.ready;
    await sleep(300);
    return { consumer: c, core, batches };
  }
  async function edge(): Promise<MqttClient> {
    const client = await connectAsync(broker.url, { protocolVersion: 5, reconnectPeriod: 0 });
    cleanups.push(() => client.endAsync(true));
    return client;
  }
  const count = async (sql: string) => (await database.db.query<{ n: number }>(sql))[0]?.n ?? 0;
  async function start() {
    broker = await startMosquitto();
    cleanups.push(() => broker.dispose());
    database = await backendNamed('postgres').open();
    cleanups.push(() => database.dispose());
  }

  it('commits what arrives together in batches, and acknowledges each message once its batch committed', async () => {
    await start();
    const first = await consumer('batch-acks');
    const publisher = await edge();
    const events = stream('acked', 20, 10);
    await Promise.all(
      events.map((e) => publisher.publishAsync(message(e).topic, message(e).payload, { qos: 1 })),
    );
    await until(async () => (await count('SELECT count(*)::int AS n FROM events')) === 200, 'all 200 events');
    expect(first.batches.reduce((a, b) => a + b, 0)).toBe(200);
    expect(Math.max(...first.batches)).toBeGreaterThan(1);
    expect(Math.max(...first.batches)).toBeLessThanOrEqual(50);
    expect(await count('SELECT count(*)::int AS n FROM tickets')).toBe(20);
    expect(await count('SELECT count(*)::int AS n FROM incidents WHERE event_count = 10')).toBe(20);

    // Acknowledged: the same session, connected again, is given none of them again.
    await first.consumer.close(true);
    const again = await consumer('batch-acks');
    cleanups.push(() => again.consumer.close());
    await sleep(1000);
    expect(again.core.processor.counters).toMatchObject({ events: 0, duplicates: 0 });
  });

  it('gives a consumer killed before its batch committed the whole batch again, each event stored once', async () => {
    await start();
    const first = await consumer('batch-killed');
    const publisher = await edge();
    // Hold the events table: no batch can commit.
    const locker = new pg.Client({ connectionString: database.url });
    await locker.connect();
    cleanups.push(() => locker.end());
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE events IN ACCESS EXCLUSIVE MODE');
    const events = stream('killed', 4, 5);
    for (const e of events) await publisher.publishAsync(message(e).topic, message(e).payload, { qos: 1 });
    await sleep(500);
    await first.consumer.close(true);

    const second = await consumer('batch-killed');
    cleanups.push(() => second.consumer.close());
    // The killed consumer's transaction is still waiting on the lock: once it is released it may
    // commit, but its consumer is gone and acknowledges nothing; it and the redelivered batch race
    // for the same events.
    await locker.query('ROLLBACK');
    const { counters } = second.core.processor;
    await until(async () => counters.events + counters.duplicates === 20, 'all 20 delivered again');
    expect(await count('SELECT count(*)::int AS n FROM events')).toBe(20);
    expect(await count('SELECT count(*)::int AS n FROM tickets')).toBe(4);
    expect(await count('SELECT sum(event_count)::int AS n FROM incidents')).toBe(20);
  });
});

describe('/metrics', () => {
  it('shows ingest, batches, dead letters and open tickets moving, without a token', async () => {
    const base = await fixtureConfig();
    let now = Date.parse('2026-11-21T04:01:00Z');
    const cloud = await startCloud(
      resolveCloudConfig(
        { ...base, api: { host: '127.0.0.1', port: 0 }, mqtt: { ...base.mqtt, embeddedPort: 0 } },
        path.resolve('fixtures/cloud'),
      ),
      { logger: false, ui: false, clock: () => new Date(now) },
    );
    cleanups.push(() => cloud.stop());
    const scrape = async () => {
      const res = await fetch(`${cloud.url}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/plain');
      return res.text();
    };
    const value = (text: string, series: string) =>
      Number(
        text
          .split('\n')
          .find((line) => line.startsWith(`${series} `))
          ?.split(' ')[1] ?? Number.NaN,
      );
    const before = await scrape();
    expect(value(before, 'cloud_ingest_messages_total{outcome="stored"}')).toBeNaN();
    expect(before).toContain('process_resident_memory_bytes');

    const edgeClient = await connectAsync(cloud.mqttUrl, { protocolVersion: 4, reconnectPeriod: 0 });
    cleanups.push(() => edgeClient.endAsync(true));
    const events = stream('metrics', 2, 3);
    for (const e of [...events, events[0] as (typeof events)[0]])
      await edgeClient.publishAsync(message(e).topic, message(e).payload, { qos: 1 });
    await edgeClient.publishAsync('edges/lingnan-hub/events/street_vending', 'not json', { qos: 1 });
    const after = await until(async () => {
      const text = await scrape();
      return value(text, 'cloud_dead_letters_total{code="PAYLOAD_NOT_JSON"}') === 1 && text;
    }, 'the dead letter counted');
    expect(value(after, 'cloud_ingest_messages_total{outcome="stored"}')).toBe(6);
    expect(value(after, 'cloud_ingest_messages_total{outcome="duplicate"}')).toBe(1);
    expect(value(after, 'cloud_ingest_messages_total{outcome="dead_letter"}')).toBe(1);
    expect(value(after, 'cloud_ingest_batch_messages_sum')).toBe(8);
    expect(value(after, 'cloud_ingest_commit_seconds_count')).toBeGreaterThan(0);
    expect(value(after, 'cloud_tickets_open{state="new"}')).toBe(2);

    // A confirmed ticket moves from one state's gauge to the other's.
    const { tickets } = (await (
      await fetch(`${cloud.url}/api/v1/tickets`, {
        headers: { authorization: `Bearer ${token('operator')}` },
      })
    ).json()) as { tickets: { id: number }[] };
    const res = await fetch(`${cloud.url}/api/v1/tickets/${tickets[0]?.id}/transitions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token('operator')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ action: 'confirm' }),
    });
    expect(res.status).toBe(200);
    const moved = await scrape();
    expect(value(moved, 'cloud_tickets_open{state="new"}')).toBe(1);
    expect(value(moved, 'cloud_tickets_open{state="confirmed"}')).toBe(1);
    expect(value(moved, 'cloud_escalations_total')).toBe(0);
    // Level 2 street vending: 15 minutes to dispatch; past that, the sweep escalates.
    now += 16 * 60_000;
    const escalated = await cloud.sweep();
    expect(escalated).toBeGreaterThan(0);
    expect(value(await scrape(), 'cloud_escalations_total')).toBe(escalated);
  });
});
