// Issue 18 item 3, client-id takeover: an edge connects with the cloud's client id `cloud-1`.
// Against the shipped deploy/mosquitto/mosquitto.conf it gets a session of its own (the client
// id is its username) and all 20 events of the other edge are stored; against the setup the
// README documented before it took the cloud's session and events were lost. The embedded aedes
// broker, given users, refuses such a CONNECT outright.
import { createHash } from 'node:crypto';
import path from 'node:path';
import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningCloud, startCloud } from '../../cloud/app/start-cloud.ts';
import { resolveCloudConfig } from '../../cloud/config/load-cloud-config.ts';
import { startEmbeddedBroker } from '../../cloud/mqtt/embedded-broker.ts';
import { backendNamed, type TestDatabase } from '../cloud/support/databases.ts';
import { edgeEvent, message } from '../cloud/support/events.ts';
import { FIXTURE_DIR, fixtureConfig } from '../cloud/support/fixtures.ts';
import { sleep, startMosquitto } from '../delivery/mosquitto.ts';

const EVENTS = 20;
const USERS = { 'lingnan-hub': 'ln-secret', 'renmin-hub': 'rm-secret', cloud: 'cloud-secret' } as const;

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function client(url: string, options: IClientOptions): Promise<MqttClient> {
  const c = await connectAsync(url, { protocolVersion: 5, reconnectPeriod: 0, ...options });
  c.on('error', () => {});
  cleanups.push(() => c.endAsync(true));
  return c;
}

/** EVENTS events of one Lingnan incident, each acknowledged by the broker, `gapMs` apart. */
async function publishEvents(edge: MqttClient, key: string, gapMs: number): Promise<void> {
  const startedAt = new Date(Date.now() - 600_000).toISOString();
  for (let sequence = 0; sequence < EVENTS; sequence++) {
    const event = edgeEvent({ edgeId: 'lingnan-hub', cameraId: 'ln-market', key, sequence, startedAt });
    await edge.publishAsync(message(event).topic, message(event).payload, { qos: 1 });
    await sleep(gapMs);
  }
}

async function cloudOn(url: string, database: TestDatabase): Promise<RunningCloud> {
  const base = await fixtureConfig();
  const cloud = await startCloud(
    resolveCloudConfig(
      {
        ...base,
        database: { url: database.url },
        api: { host: '127.0.0.1', port: 0 },
        mqtt: {
          ...base.mqtt,
          url,
          protocolVersion: 5,
          clientId: 'cloud-1',
          username: 'cloud',
          password: USERS.cloud,
          sessionExpirySeconds: 600,
        },
      },
      FIXTURE_DIR,
    ),
    { logger: false, ui: false },
  );
  cleanups.push(() => cloud.stop());
  await sleep(300);
  return cloud;
}

/**
 * Renmin's box claims `cloud-1` (and comes back each time it is pushed off, as a hostile client
 * would), while Lingnan's box publishes EVENTS events; returns how many the cloud stored.
 */
async function attack(edgeUrl: string, cloudUrl: string): Promise<number> {
  const database = await backendNamed('postgres').open();
  cleanups.push(() => database.dispose());
  await cloudOn(cloudUrl, database);
  const hostile = await client(edgeUrl, {
    clientId: 'cloud-1',
    clean: false,
    properties: { sessionExpiryInterval: 600 },
    username: 'renmin-hub',
    password: USERS['renmin-hub'],
    reconnectPeriod: 100,
  });
  const lingnan = await client(edgeUrl, { username: 'lingnan-hub', password: USERS['lingnan-hub'] });
  await publishEvents(lingnan, 'takeover', 100);
  await hostile.endAsync(true);
  // The cloud's consumer reconnects within a second when it was pushed off; then give it time.
  const count = async () =>
    (await database.db.query<{ n: number }>('SELECT count(*)::int AS n FROM events'))[0]?.n ?? 0;
  const deadline = Date.now() + 6000;
  while ((await count()) < EVENTS && Date.now() < deadline) await sleep(200);
  return count();
}

describe('an edge claiming the cloud client id', () => {
  it('gets its own session under the shipped mosquitto.conf: all 20 events reach the cloud', async () => {
    const broker = await startMosquitto({
      configFile: path.resolve('deploy/mosquitto/mosquitto.conf'),
      passwords: {
        'edges.passwd': { 'lingnan-hub': USERS['lingnan-hub'], 'renmin-hub': USERS['renmin-hub'] },
        'services.passwd': { cloud: USERS.cloud },
      },
    });
    cleanups.push(() => broker.dispose());
    const [edgeUrl, cloudUrl] = broker.urls as [string, string];
    expect(await attack(edgeUrl, cloudUrl)).toBe(EVENTS);
    // Nor may an edge user log in on the services' listener, where client ids are free.
    await expect(
      connectAsync(cloudUrl, {
        protocolVersion: 5,
        clientId: 'cloud-1',
        username: 'renmin-hub',
        password: USERS['renmin-hub'],
        reconnectPeriod: 0,
      }),
    ).rejects.toThrow(/Not authorized/i);
  }, 60_000);

  it('took over the cloud session under the previous one-listener setup, and events were lost', async () => {
    const broker = await startMosquitto({
      users: USERS,
      acl: ['pattern readwrite edges/%u/#', 'user cloud', 'topic read edges/#', ''].join('\n'),
    });
    cleanups.push(() => broker.dispose());
    expect(await attack(broker.url, broker.url)).toBeLessThan(EVENTS);
  }, 60_000);
});

describe('the embedded broker (aedes) with users', () => {
  const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

  it("refuses a CONNECT whose client id is not its user's, and the cloud's session keeps its messages", async () => {
    const broker = await startEmbeddedBroker(0, {
      users: [
        { username: 'cloud', passwordSha256: sha256(USERS.cloud), clientIds: ['cloud-1'] },
        {
          username: 'renmin-hub',
          passwordSha256: sha256(USERS['renmin-hub']),
          clientIds: ['edge-renmin-hub'],
        },
        { username: 'lingnan-hub', passwordSha256: sha256(USERS['lingnan-hub']) },
      ],
    });
    cleanups.push(() => broker.close());
    const v4 = { protocolVersion: 4 as const };
    const cloud = await client(broker.url, {
      ...v4,
      clientId: 'cloud-1',
      clean: false,
      username: 'cloud',
      password: USERS.cloud,
    });
    const received: string[] = [];
    cloud.on('message', (_topic, payload) => received.push(payload.toString()));
    await cloud.subscribeAsync('edges/+/events/#', { qos: 1 });

    const claim = (clientId: string, username: string, password: string) =>
      connectAsync(broker.url, { ...v4, clientId, username, password, reconnectPeriod: 0 }).then(
        (c) => c.endAsync(true).then(() => 'connected'),
        (error: Error) => error.message,
      );
    expect(await claim('cloud-1', 'renmin-hub', USERS['renmin-hub'])).toMatch(/identifier rejected/i);
    expect(await claim('cloud-1', 'cloud', 'wrong')).toMatch(/bad username or password/i);
    expect(await claim('edge-renmin-hub', 'renmin-hub', USERS['renmin-hub'])).toBe('connected');

    const lingnan = await client(broker.url, {
      ...v4,
      clientId: 'lingnan-hub',
      username: 'lingnan-hub',
      password: USERS['lingnan-hub'],
    });
    await publishEvents(lingnan, 'aedes', 0);
    const deadline = Date.now() + 5000;
    while (received.length < EVENTS && Date.now() < deadline) await sleep(50);
    expect(received).toHaveLength(EVENTS);
    expect(cloud.connected).toBe(true);
  });
});
