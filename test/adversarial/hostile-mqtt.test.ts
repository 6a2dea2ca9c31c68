// Issue 18, items 1, 6 and 9 (the MQTT side): hostile payloads and statuses, published through a
// real Mosquitto to a real cloud on PostgreSQL, each end as a dead letter with its code (or, for
// statuses, in the state the broker's order says) and the stream goes on: a valid event published
// after each is stored and ticketed, also across a database outage and a restart of the cloud.
import { createHash } from 'node:crypto';
import path from 'node:path';
import { connectAsync, type MqttClient } from 'mqtt';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningCloud, startCloud } from '../../cloud/app/start-cloud.ts';
import { resolveCloudConfig } from '../../cloud/config/load-cloud-config.ts';
import type { DeadLetterCode } from '../../cloud/errors.ts';
import type { DeadLetter } from '../../cloud/repositories/ingest-repository.ts';
import type { EdgeEvent } from '../../foundation/contract/events.ts';
import { CONTRACT_LIMITS as L } from '../../foundation/contract/limits.ts';
import { topics } from '../../foundation/contract/topics.ts';
import { lastWill } from '../../foundation/delivery/mqtt/status-heartbeat.ts';
import { backendNamed, POSTGRES_ADMIN_URL } from '../cloud/support/databases.ts';
import { edgeEvent, message } from '../cloud/support/events.ts';
import { fixtureConfig, token } from '../cloud/support/fixtures.ts';
import { until } from '../cloud/support/until.ts';
import { sleep, startMosquitto, type TestBroker } from '../delivery/mosquitto.ts';

const T0 = '2026-11-21T04:00:00.000Z';
/** The cloud's clock: a minute after the events start. */
const NOW = Date.parse(T0) + 60_000;

/** A dead letter as the API lists it. */
type DeadLetterJson = DeadLetter;
interface EdgeJson {
  edgeId: string;
  state: string;
  status: { reason?: string };
  reportedAt: string | null;
  clockSkewSeconds: number | null;
}

let broker: TestBroker;
let database: { url?: string; dispose(): Promise<void> };
let cloud: RunningCloud;
let edge: MqttClient;
let serial = 0;

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const valid = (key = `ok-${serial++}`) =>
  edgeEvent({ edgeId: 'lingnan-hub', cameraId: 'ln-market', key, startedAt: T0 });
const many = <T>(n: number, item: (k: number) => T) => Array.from({ length: n }, (_, k) => item(k));
const object = (k: number) => ({ trackId: k, label: 'person', score: 0.5, box: [0.1, 0.1, 0.2, 0.2] });
const eventTopic = message(valid('topic')).topic;

async function startTheCloud(): Promise<RunningCloud> {
  const base = await fixtureConfig();
  const config = resolveCloudConfig(
    {
      ...base,
      api: { host: '127.0.0.1', port: 0 },
      database: { url: database.url },
      mqtt: { ...base.mqtt, url: broker.url, clientId: 'cloud-hostile' },
    },
    path.resolve('fixtures/cloud'),
  );
  return startCloud(config, {
    ...(process.env.HOSTILE_LOG ? {} : { logger: false as const }),
    clock: () => new Date(NOW),
    ui: false,
  });
}

async function api<T>(route: string): Promise<T> {
  const res = await fetch(`${cloud.url}/api/v1${route}`, {
    headers: { authorization: `Bearer ${token('admin')}` },
  });
  expect(res.status, `${route}: ${res.status}`).toBe(200);
  return (await res.json()) as T;
}

/** Publishes it, then a valid event, and waits until that event has its ticket. */
async function publishThenValid(topic: string, payload: Buffer, retain = false): Promise<void> {
  await edge.publishAsync(topic, payload, { qos: 1, retain });
  await publishValid();
}

async function publishValid(): Promise<void> {
  const after = valid();
  const m = message(after);
  await edge.publishAsync(m.topic, m.payload, { qos: 1 });
  await until(async () => {
    const rows = await cloud.db.query(
      'SELECT t.id FROM events e JOIN tickets t ON t.incident_id = e.incident_id WHERE e.event_id = $1',
      [after.eventId],
    );
    return rows.length === 1;
  }, `a ticket for ${after.eventId}`);
}

/** The dead letter of exactly these bytes (found by their sha256). */
async function deadLetterOf(payload: Buffer): Promise<DeadLetterJson> {
  const hash = sha256(payload);
  return until(async () => {
    const { deadLetters } = await api<{ deadLetters: DeadLetterJson[] }>('/dead-letters?limit=200');
    return deadLetters.find((letter) => letter.payloadSha256 === hash);
  }, 'its dead letter');
}

const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const hostileEvent = (change: Partial<Record<keyof EdgeEvent, unknown>>) => json({ ...valid(), ...change });

beforeAll(async () => {
  broker = await startMosquitto();
  database = await backendNamed('postgres').create();
  cloud = await startTheCloud();
  edge = await connectAsync(broker.url, { protocolVersion: 5, reconnectPeriod: 0, clientId: 'hostile-edge' });
});

afterAll(async () => {
  await edge?.endAsync(true);
  await cloud?.stop();
  await broker?.dispose();
  await database?.dispose();
});

describe('hostile payloads end as dead letters with their code, and the stream goes on', () => {
  it.each<[string, string, () => Buffer, DeadLetterCode, string]>([
    [
      "a retained status with NUL in a camera's lastError",
      topics.status('rogue-hub'),
      () =>
        Buffer.from(
          '{"state":"online","edgeId":"rogue-hub","clientId":"x","cameras":[{"id":"a","state":"running","lastFrameTime":null,"reconnects":0,"lastError":"bad\\u0000err"}]}',
        ),
      'STATUS_INVALID',
      'cameras[0].lastError',
    ],
    [
      'NUL in an event string',
      eventTopic,
      () => hostileEvent({ scenario: 'stall\u0000' }),
      'EVENT_INVALID',
      'scenario',
    ],
    [
      'an unpaired surrogate',
      eventTopic,
      () => hostileEvent({ zone: 'pave\ud800' }),
      'EVENT_INVALID',
      'zone',
    ],
    [
      'bytes that are not UTF-8',
      eventTopic,
      () => Buffer.from([0x7b, 0xff, 0xfe, 0x7d]),
      'PAYLOAD_NOT_JSON',
      '',
    ],
    ['text that is not JSON', eventTopic, () => Buffer.from('{"eventId": '), 'PAYLOAD_NOT_JSON', ''],
    [
      'a 1 MB string',
      eventTopic,
      () => hostileEvent({ scenario: 'x'.repeat(1 << 20) }),
      'PAYLOAD_TOO_LARGE',
      `at most ${L.payloadBytes}`,
    ],
    [
      'a 300 KB payload',
      eventTopic,
      () => hostileEvent({ objectCount: 4400, objects: many(4400, object) }),
      'PAYLOAD_TOO_LARGE',
      'bytes',
    ],
    [
      '200,000 objects',
      eventTopic,
      () => hostileEvent({ objectCount: 200_000, objects: many(200_000, object) }),
      'PAYLOAD_TOO_LARGE',
      'bytes',
    ],
    [
      'one object more than the contract lists',
      eventTopic,
      () => hostileEvent({ objectCount: L.objects + 1, objects: many(L.objects + 1, object) }),
      'EVENT_INVALID',
      'objects',
    ],
    [
      'year 9999',
      eventTopic,
      () => hostileEvent({ startedAt: '9999-01-01T00:00:00Z', observedAt: '9999-01-01T00:00:00Z' }),
      'EVENT_INVALID',
      'startedAt',
    ],
    [
      'year 0001',
      eventTopic,
      () => hostileEvent({ startedAt: '0001-01-01T00:00:00Z' }),
      'EVENT_INVALID',
      'startedAt',
    ],
    [
      'observedAt before startedAt',
      eventTopic,
      () => hostileEvent({ observedAt: '2026-11-21T03:00:00Z' }),
      'EVENT_INVALID',
      'observedAt',
    ],
    [
      'an edge clock two days ahead',
      eventTopic,
      () => {
        const ahead = new Date(NOW + 2 * 86_400_000).toISOString();
        return hostileEvent({ startedAt: ahead, observedAt: ahead });
      },
      'EVENT_CLOCK_AHEAD',
      'ahead',
    ],
  ])('%s', async (_, topic, build, code, named) => {
    const payload = build();
    await publishThenValid(topic, payload, topic.endsWith('/status'));
    const letter = await deadLetterOf(payload);
    expect(letter).toMatchObject({ code, topic, payloadBytes: payload.length });
    expect(letter.reason).toContain(named);
    const kept = Buffer.from(letter.payloadBase64, 'base64');
    expect(kept).toEqual(payload.subarray(0, L.deadLetterPayloadBytes));
    expect(letter.payloadTruncated).toBe(payload.length > L.deadLetterPayloadBytes);
  });

  it('orders statuses by arrival: an edge whose clock runs an hour ahead goes offline by its Last Will', async () => {
    const edgeId = 'fast-hub';
    const clientId = `edge-${edgeId}`;
    const will = lastWill(edgeId, clientId);
    const fast = await connectAsync(broker.url, {
      protocolVersion: 5,
      clientId,
      reconnectPeriod: 0,
      will: { topic: will.topic, payload: Buffer.from(will.payload), qos: 1, retain: true },
    });
    const ahead = new Date(NOW + 3_600_000).toISOString();
    const status = { state: 'online', edgeId, clientId, at: ahead, since: ahead, cameras: [] };
    await fast.publishAsync(topics.status(edgeId), JSON.stringify(status), { qos: 1, retain: true });
    const find = async (state: string) =>
      (await api<EdgeJson[]>('/edges')).find((e) => e.edgeId === edgeId && e.state === state);
    const online = await until(() => find('online'), 'online');
    expect(online).toMatchObject({ reportedAt: ahead, clockSkewSeconds: 3600 });

    fast.stream.destroy(); // the connection is lost: the broker publishes the Will
    const offline = await until(() => find('offline'), 'offline by the Last Will');
    expect(offline).toMatchObject({
      status: { reason: 'connection lost' },
      reportedAt: null,
      clockSkewSeconds: 3600,
    });
    await fast.endAsync(true);
    await publishValid();
  });

  it('shows an edge whose clock says 1970 as online, its clock offset telling', async () => {
    const status = {
      state: 'online',
      edgeId: 'slow-hub',
      clientId: 'edge-slow-hub',
      at: '1970-01-01T00:00:05Z',
    };
    await edge.publishAsync(topics.status('slow-hub'), JSON.stringify(status), { qos: 1 });
    const shown = await until(
      async () => (await api<EdgeJson[]>('/edges')).find((e) => e.edgeId === 'slow-hub'),
      'the edge',
    );
    expect(shown).toMatchObject({ state: 'online', reportedAt: '1970-01-01T00:00:05.000Z' });
    expect(shown.clockSkewSeconds).toBe((Date.parse(status.at) - NOW) / 1000);
  });

  it('lists dead letters in bounded pages', async () => {
    const res = await fetch(`${cloud.url}/api/v1/dead-letters?limit=${1000}`, {
      headers: { authorization: `Bearer ${token('admin')}` },
    });
    expect(res.status).toBe(400);
    const first = await api<{ deadLetters: DeadLetterJson[] }>('/dead-letters?limit=3');
    expect(first.deadLetters).toHaveLength(3);
    const last = first.deadLetters.at(-1)?.id ?? 0;
    const next = await api<{ deadLetters: DeadLetterJson[] }>(`/dead-letters?limit=3&before=${last}`);
    expect(next.deadLetters.length).toBeGreaterThan(0);
    expect(next.deadLetters.every((letter) => letter.id < last)).toBe(true);
  });
});

describe('failures to store: data refused, a fault, an outage', () => {
  let admin: pg.Client;
  beforeAll(async () => {
    // The database itself refuses: for a status of `refused-hub` as data (SQLSTATE 22P05, what a
    // NUL did to jsonb), for events keyed `poison` with an error that is not about the data (P0001).
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    await client.query(`CREATE FUNCTION refuse_status() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.edge_id = 'refused-hub' THEN
          RAISE EXCEPTION USING ERRCODE = '22P05', MESSAGE = 'unsupported Unicode escape sequence';
        END IF;
        RETURN NEW;
      END $$`);
    await client.query(`CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.event_id LIKE '%:poison:%' THEN RAISE EXCEPTION 'poison event %', NEW.event_id; END IF;
        RETURN NEW;
      END $$`);
    await client.query(
      'CREATE TRIGGER refuse_status BEFORE INSERT OR UPDATE ON edges FOR EACH ROW EXECUTE FUNCTION refuse_status()',
    );
    await client.query(
      'CREATE TRIGGER refuse_poison BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION refuse_poison()',
    );
    await client.end();
    admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.end();
  });

  it('dead-letters a status the database refuses as data (STATUS_UNSTORABLE)', async () => {
    const payload = json({ state: 'online', edgeId: 'refused-hub', clientId: 'edge-refused-hub' });
    await publishThenValid(topics.status('refused-hub'), payload);
    const letter = await deadLetterOf(payload);
    expect(letter).toMatchObject({ code: 'STATUS_UNSTORABLE' });
    expect(letter.reason).toContain('unsupported Unicode escape sequence');
  });

  it('dead-letters a message that keeps failing while the database answers (MESSAGE_UNPROCESSABLE)', async () => {
    const poison = message(valid('poison'));
    await publishThenValid(poison.topic, poison.payload);
    const letter = await deadLetterOf(poison.payload);
    expect(letter.code).toBe('MESSAGE_UNPROCESSABLE');
    expect(letter.reason).toMatch(/failed 5 times .*poison event/);
  });

  it('retries through a database outage for as long as it lasts, dead-lettering nothing', async () => {
    const name = new URL(database.url as string).pathname.slice(1);
    const before = (await api<{ counts: { deadLetters: number } }>('/dead-letters?limit=1')).counts;
    await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
    await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [name]);
    const during = message(valid('outage'));
    await edge.publishAsync(during.topic, during.payload, { qos: 1 });
    // Long enough for more failed attempts than a fault is allowed (0.5 s doubling: 5 in 7.5 s).
    await sleep(9000);
    await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`);
    await until(
      async () => {
        const rows = await cloud.db.query('SELECT 1 FROM events WHERE event_id = $1', [
          valid('outage').eventId,
        ]);
        return rows.length === 1;
      },
      'the event sent during the outage',
      60_000,
    );
    const after = (await api<{ counts: { deadLetters: number } }>('/dead-letters?limit=1')).counts;
    expect(after.deadLetters).toBe(before.deadLetters);
  });

  it('leaves nothing stuck across a restart of the cloud', async () => {
    const refused = async () =>
      (
        await cloud.db.query<{ n: number }>('SELECT count(*)::int AS n FROM dead_letters WHERE topic = $1', [
          topics.status('rogue-hub'),
        ])
      )[0]?.n ?? 0;
    const rogueBefore = await refused();
    await cloud.stop();
    const whileDown = message(valid('while-down'));
    await edge.publishAsync(whileDown.topic, whileDown.payload, { qos: 1 });
    cloud = await startTheCloud();
    await until(async () => {
      const rows = await cloud.db.query('SELECT 1 FROM events WHERE event_id = $1', [
        valid('while-down').eventId,
      ]);
      return rows.length === 1;
    }, 'the event sent while the cloud was down');
    await publishValid();
    // The hostile status is still retained: it came again on subscribing, and was refused again.
    expect(await refused()).toBeGreaterThan(rogueBefore);
  });
});
