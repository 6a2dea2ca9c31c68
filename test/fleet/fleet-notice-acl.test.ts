import { createHash } from 'node:crypto';
import path from 'node:path';
import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmbeddedBroker } from '../../cloud/mqtt/embedded-broker.ts';
import { topics } from '../../foundation/contract/topics.ts';
import { sleep, startMosquitto } from '../delivery/mosquitto.ts';

// Only the cloud announces configurations, and each edge reads only its own notice: on the shipped
// Mosquitto config (deploy/mosquitto/) and on the embedded broker with users.
const PASSWORDS = { cloud: 'cloud-secret', 'lingnan-hub': 'lingnan-secret', 'renmin-hub': 'renmin-secret' };
const notice = (edgeId: string, version: number) =>
  JSON.stringify({ edgeId, version, sha256: 'a'.repeat(64) });

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
});

async function client(url: string, user: keyof typeof PASSWORDS, options: IClientOptions = {}) {
  const c = await connectAsync(url, {
    clientId: user,
    username: user,
    password: PASSWORDS[user],
    reconnectPeriod: 0,
    ...options,
  });
  cleanups.push(() => c.endAsync(true));
  return c;
}

/** What `c` receives on fleet topics within a moment of subscribing to every one of them. */
async function fleetMessagesSeen(c: MqttClient): Promise<string[]> {
  const seen: string[] = [];
  c.on('message', (topic, payload) => {
    if (topic.startsWith('fleet/')) seen.push(`${topic} ${JSON.parse(payload.toString()).version}`);
  });
  await c.subscribeAsync(['fleet/+/config', '#'], { qos: 1 });
  await sleep(500);
  // Overlapping subscriptions may each deliver a message (MQTT 5): which ones came is what counts.
  return [...new Set(seen)].sort();
}

async function checkBroker(edgeUrl: string, cloudUrl: string, options: IClientOptions): Promise<void> {
  const cloud = await client(cloudUrl, 'cloud', { ...options, clientId: 'cloud-1-fleet' });
  await cloud.publishAsync(topics.fleetConfig('lingnan-hub'), notice('lingnan-hub', 3), {
    qos: 1,
    retain: true,
  });
  await cloud.publishAsync(topics.fleetConfig('renmin-hub'), notice('renmin-hub', 7), {
    qos: 1,
    retain: true,
  });

  // An edge forging another edge's notice is refused (its publish is dropped, or it is disconnected).
  const forger = await client(edgeUrl, 'lingnan-hub', options);
  forger.on('error', () => {});
  const forged = forger.publishAsync(topics.fleetConfig('renmin-hub'), notice('renmin-hub', 99), {
    qos: 1,
    retain: true,
  });
  await Promise.race([forged.catch(() => {}), sleep(1000)]);
  forger.end(true);

  const renmin = await client(edgeUrl, 'renmin-hub', options);
  expect(await fleetMessagesSeen(renmin)).toEqual(['fleet/renmin-hub/config 7']);
  const lingnan = await client(edgeUrl, 'lingnan-hub', options);
  expect(await fleetMessagesSeen(lingnan)).toEqual(['fleet/lingnan-hub/config 3']);
}

describe('who may publish and read configuration notices', () => {
  it('on the shipped Mosquitto config', async () => {
    const broker = await startMosquitto({
      configFile: path.resolve('deploy/mosquitto/mosquitto.conf'),
      passwords: {
        'edges.passwd': { 'lingnan-hub': PASSWORDS['lingnan-hub'], 'renmin-hub': PASSWORDS['renmin-hub'] },
        'services.passwd': { cloud: PASSWORDS.cloud },
      },
    });
    cleanups.push(() => broker.dispose());
    const [edgeUrl, cloudUrl] = broker.urls as [string, string];
    await checkBroker(edgeUrl, cloudUrl, { protocolVersion: 5 });
  }, 60_000);

  it('on the embedded broker with users', async () => {
    const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
    const broker = await startEmbeddedBroker(0, {
      users: [
        {
          username: 'cloud',
          passwordSha256: sha256(PASSWORDS.cloud),
          clientIds: ['cloud-1-fleet'],
          kind: 'service',
        },
        { username: 'lingnan-hub', passwordSha256: sha256(PASSWORDS['lingnan-hub']) },
        { username: 'renmin-hub', passwordSha256: sha256(PASSWORDS['renmin-hub']) },
      ],
    });
    cleanups.push(() => broker.close());
    await checkBroker(broker.url, broker.url, { protocolVersion: 4 });
  }, 60_000);
});
