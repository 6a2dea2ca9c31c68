import path from 'node:path';
import { connectAsync, type MqttClient } from 'mqtt';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type RunningCloud, startCloud } from '../../cloud/app/start-cloud.ts';
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

async function publisher(
  url: string,
  protocolVersion: 4 | 5,
  extra: Record<string, unknown> = {},
): Promise<MqttClient> {
  const client = await connectAsync(url, { protocolVersion, reconnectPeriod: 0, ...extra });
  cleanups.push(() => client.endAsync(true));
  return client;
}

const vending = (key: string, cameraId = 'ln-market', sequence = 0) =>
  edgeEvent({ edgeId: 'lingnan-hub', cameraId, key, sequence, startedAt: '2026-11-21T04:00:00Z' });

describe('cloud run with the embedded broker (aedes, MQTT 3.1.1)', () => {
  let cloud: RunningCloud | undefined;
  afterAll(async () => cloud?.stop());

  it('turns published events into one ticket, dead-letters garbage, tells the live feed, and sweeps', async () => {
    let now = Date.parse('2026-11-21T04:00:00Z');
    const base = await fixtureConfig();
    cloud = await startCloud(
      resolveCloudConfig(
        { ...base, api: { host: '127.0.0.1', port: 0 }, mqtt: { ...base.mqtt, embeddedPort: 0 } },
        path.resolve('fixtures/cloud'),
      ),
      { logger: false, clock: () => new Date(now) },
    );
    const running = cloud;
    const live = await fetch(`${running.url}/api/v1/live?access_token=${token('operator')}`);
    expect(live.headers.get('content-type')).toContain('text/event-stream');
    const reader = live.body?.getReader();
    let text = '';
    const heard = (async () => {
      while (!text.includes('event: ticket.created')) {
        const chunk = await reader?.read();
        if (!chunk || chunk.done) break;
        text += new TextDecoder().decode(chunk.value);
      }
      return text;
    })();

    const edge = await publisher(running.mqttUrl, 4);
    for (const event of [
      vending('e2e', 'ln-market', 0),
      vending('e2e', 'ln-market', 0),
      vending('e2e', 'ln-market', 1),
    ]) {
      const m = message(event);
      await edge.publishAsync(m.topic, m.payload, { qos: 1 });
    }
    await edge.publishAsync('edges/lingnan-hub/events/street_vending', 'not json', { qos: 1 });
    const headers = { authorization: `Bearer ${token('operator')}` };
    const tickets = await until(async () => {
      const body = (await (await fetch(`${running.url}/api/v1/tickets`, { headers })).json()) as {
        total: number;
      };
      return body.total === 1 && body;
    }, 'the ticket');
    expect(tickets.total).toBe(1);
    const letters = await until(async () => {
      const res = await fetch(`${running.url}/api/v1/dead-letters`, {
        headers: { authorization: `Bearer ${token('admin')}` },
      });
      const body = (await res.json()) as { counts: { deadLetters: number; events: number } };
      return body.counts.deadLetters === 1 && body;
    }, 'the dead letter');
    expect(letters.counts.events).toBe(2);
    expect(await heard).toContain('"kind":"ticket.created"');
    await reader?.cancel();
    // Level 2 street vending: 15 minutes to dispatch.
    now += 16 * 60_000;
    expect(await running.sweep()).toBe(1);
    const escalations = await fetch(`${running.url}/api/v1/escalations`, {
      headers: { authorization: `Bearer ${token('supervisor')}` },
    });
    expect(await escalations.json()).toEqual([
      expect.objectContaining({ step: 'dispatch', notifyRole: 'supervisor' }),
    ]);
  });
});

describe('ingest from Mosquitto (MQTT 5, shared subscription) into PostgreSQL', () => {
  let broker: TestBroker;
  let database: TestDatabase;

  async function consumer(clientId = 'cloud-test-1') {
    const config = await fixtureConfig();
    const core = createCloudCore(openCloudStore(database.db), config, await fixturePlaces());
    const c = new MqttConsumer({
      url: broker.url,
      clientId,
      protocolVersion: 5,
      group: 'cloud',
      sessionExpirySeconds: 600,
      handle: (batch) => core.processor.processBatch(batch),
      retry: { initialMs: 50, maxMs: 200 },
    });
    await c.ready;
    await sleep(300);
    return { consumer: c, core };
  }
  const stored = async (eventId: string) =>
    (await database.db.query('SELECT 1 FROM events WHERE event_id = $1', [eventId])).length === 1;

  it('acknowledges only after the commit: a consumer that dies mid-store gets the message again', async () => {
    broker = await startMosquitto();
    cleanups.push(() => broker.dispose());
    const postgres = backendNamed('postgres');
    database = await postgres.open();
    cleanups.push(() => database.dispose());

    const first = await consumer();
    const edge = await publisher(broker.url, 5);
    const one = message(vending('ack', 'ln-market', 0));
    await edge.publishAsync(one.topic, one.payload, { qos: 1 });
    await until(() => stored(vending('ack').eventId), 'the first event');

    // Hold the events table: the next message cannot be committed.
    const locker = new pg.Client({ connectionString: database.url });
    await locker.connect();
    cleanups.push(() => locker.end());
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE events IN ACCESS EXCLUSIVE MODE');
    const two = vending('ack', 'ln-market', 1);
    await edge.publishAsync(message(two).topic, message(two).payload, { qos: 1 });
    await sleep(500);
    await first.consumer.close(true);

    const second = await consumer();
    cleanups.push(() => second.consumer.close());
    await locker.query('ROLLBACK');
    // The broker sends the unacknowledged message to the session again; stored once either way.
    await until(
      async () => second.core.processor.counters.events + second.core.processor.counters.duplicates >= 1,
      'redelivery',
    );
    expect(await stored(two.eventId)).toBe(true);
    const rows = await database.db.query<{ n: number }>('SELECT count(*)::int AS n FROM events');
    expect(rows[0]?.n).toBe(2);
    expect((await database.db.query('SELECT id FROM tickets')).length).toBe(1);
  });

  it('keeps the session: what edges publish while the cloud is down arrives when it is back', async () => {
    broker = await startMosquitto();
    cleanups.push(() => broker.dispose());
    const postgres = backendNamed('postgres');
    database = await postgres.open();
    cleanups.push(() => database.dispose());

    const first = await consumer('cloud-test-2');
    await first.consumer.close();
    const edge = await publisher(broker.url, 5);
    const sent = [0, 1, 2].map((n) => vending('offline', 'ln-school', n));
    for (const event of sent)
      await edge.publishAsync(message(event).topic, message(event).payload, { qos: 1 });
    const status = {
      state: 'online',
      edgeId: 'lingnan-hub',
      clientId: 'edge-lingnan-hub',
      at: '2026-11-21T04:00:00Z',
    };
    await edge.publishAsync('edges/lingnan-hub/status', JSON.stringify(status), { qos: 1, retain: true });

    const back = await consumer('cloud-test-2');
    cleanups.push(() => back.consumer.close());
    for (const event of sent) await until(() => stored(event.eventId), event.eventId);
    const edges = await until(async () => {
      const list = await openCloudStore(database.db).ingest.edges();
      return list.length === 1 && list;
    }, 'the retained status');
    expect(edges[0]).toMatchObject({ edgeId: 'lingnan-hub', state: 'online' });
  });
});

describe('Mosquitto ACL: an edge publishes only under edges/{its id}/', () => {
  it('refuses edge A publishing as edge B, and the cloud never sees it', async () => {
    const broker = await startMosquitto({
      users: { 'lingnan-hub': 'ln-secret', 'renmin-hub': 'rm-secret', cloud: 'cloud-secret' },
      acl: ['pattern readwrite edges/%u/#', '', 'user cloud', 'topic read edges/#', ''].join('\n'),
    });
    cleanups.push(() => broker.dispose());
    const received: string[] = [];
    const cloud = await publisher(broker.url, 5, {
      username: 'cloud',
      password: 'cloud-secret',
      clientId: 'cloud-acl',
    });
    cloud.on('message', (topic) => received.push(topic));
    await cloud.subscribeAsync('$share/cloud/edges/+/events/#', { qos: 1 });

    const lingnan = await publisher(broker.url, 5, { username: 'lingnan-hub', password: 'ln-secret' });
    const own = message(vending('acl'));
    await lingnan.publishAsync(own.topic, own.payload, { qos: 1 });
    const spoof = { ...vending('acl'), edgeId: 'renmin-hub' };
    const refused = await lingnan.publishAsync(message(spoof).topic, message(spoof).payload, { qos: 1 }).then(
      () => undefined,
      (error: { code?: number }) => error,
    );
    expect(refused?.code).toBe(0x87);
    await until(async () => received.length >= 1, 'the own event');
    await sleep(300);
    expect(received).toEqual(['edges/lingnan-hub/events/street_vending']);
  });
});
