// Issue 18 item 2, broker queue overflow: with the cloud down, a real edge publisher hands 3,000
// events to Mosquitto (each acknowledged, so gone from its outbox). With the shipped
// deploy/mosquitto/mosquitto.conf all 3,000 reach the database once the cloud is back; with
// Mosquitto's defaults (max_queued_messages 1000) most are lost, and the cloud now says so.
import path from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningCloud, startCloud } from '../../cloud/app/start-cloud.ts';
import { resolveCloudConfig } from '../../cloud/config/load-cloud-config.ts';
import { backendNamed, type TestDatabase } from '../cloud/support/databases.ts';
import { edgeEvent } from '../cloud/support/events.ts';
import { FIXTURE_DIR, fixtureConfig } from '../cloud/support/fixtures.ts';
import { until } from '../cloud/support/until.ts';
import { sleep, startMosquitto, type TestBroker } from '../delivery/mosquitto.ts';
import { DeliveryHarness } from '../delivery/mqtt-harness.ts';

const EVENTS = 3000;
const SHIPPED = path.resolve('deploy/mosquitto/mosquitto.conf');
const EDGE = { username: 'lingnan-hub', password: 'ln-secret' };
const CLOUD = { username: 'cloud', password: 'cloud-secret' };

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Setup {
  broker: TestBroker;
  edgeUrl: string;
  cloudUrl: string;
}

/** The cloud with a log that the test reads: pino's JSON lines. */
async function startLoggedCloud(database: TestDatabase, brokerUrl: string, lines: string[]) {
  const base = await fixtureConfig();
  const config = resolveCloudConfig(
    {
      ...base,
      database: { url: database.url },
      api: { host: '127.0.0.1', port: 0 },
      mqtt: {
        ...base.mqtt,
        url: brokerUrl,
        protocolVersion: 5,
        clientId: 'cloud-1',
        ...CLOUD,
        sessionExpirySeconds: 600,
      },
    },
    FIXTURE_DIR,
  );
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
  return startCloud(config, { logger, ui: false });
}

/**
 * The cloud subscribes once (its persistent session), stops; the edge's publisher delivers
 * EVENTS events, every one acknowledged by the broker; the cloud starts again. Returns the
 * second cloud, its log, and a count of the events it has stored.
 */
async function outage(
  setup: Setup,
): Promise<{ cloud: RunningCloud; stored: () => Promise<number>; log: string[] }> {
  const database = await backendNamed('postgres').open();
  cleanups.push(() => database.dispose());
  const first = await startLoggedCloud(database, setup.cloudUrl, []);
  await sleep(300);
  await first.stop();

  const harness = new DeliveryHarness();
  cleanups.push(() => harness.dispose());
  const { publisher } = harness.publisher('edge', {
    edgeId: 'lingnan-hub',
    mqtt: { url: setup.edgeUrl, protocolVersion: 5, ...EDGE },
    heartbeatSeconds: 3600,
  });
  const startedAt = new Date(Date.now() - 3_600_000).toISOString();
  // Appended together, as a busy edge does: the outbox commits them in groups.
  await Promise.all(
    Array.from({ length: EVENTS }, (_, n) => {
      const sequence = n % 10;
      const phase = sequence === 0 ? 'start' : sequence === 9 ? 'end' : 'update';
      const cameraId = n % 20 < 10 ? 'ln-market' : 'ln-school';
      const key = `q${Math.floor(n / 10)}`;
      return publisher.deliver(
        edgeEvent({ edgeId: 'lingnan-hub', cameraId, key, sequence, phase, startedAt }),
      );
    }),
  );
  await publisher.drained();
  expect(publisher.stats().outbox.depth).toBe(0);

  const log: string[] = [];
  const cloud = await startLoggedCloud(database, setup.cloudUrl, log);
  cleanups.push(() => cloud.stop());
  const stored = async () =>
    (await database.db.query<{ n: number }>('SELECT count(*)::int AS n FROM events'))[0]?.n ?? 0;
  return { cloud, stored, log };
}

const droppedLogs = (log: string[]) =>
  log
    .map((line) => JSON.parse(line) as { level: number; msg: string; droppedTotal?: number })
    .filter((entry) => entry.level === 50 && entry.msg.includes('broker dropped messages'));

describe('the broker queue for the cloud while the cloud is down', () => {
  it('holds all 3,000 events with the shipped mosquitto.conf, and the cloud sees no drops', async () => {
    const broker = await startMosquitto({
      configFile: SHIPPED,
      passwords: {
        'edges.passwd': { [EDGE.username]: EDGE.password },
        'services.passwd': { [CLOUD.username]: CLOUD.password },
      },
    });
    cleanups.push(() => broker.dispose());
    const [edgeUrl, cloudUrl] = broker.urls as [string, string];
    const { cloud, stored, log } = await outage({ broker, edgeUrl, cloudUrl });
    await until(async () => (await stored()) === EVENTS, `all ${EVENTS} events stored`, 80_000);
    // The shipped ACL lets the cloud read the counter: it is watched, and it stayed at 0.
    await until(async () => cloud.brokerDroppedMessages() !== undefined, 'the dropped-message count');
    expect(cloud.brokerDroppedMessages()).toBe(0);
    expect(droppedLogs(log)).toEqual([]);
  }, 90_000);

  it("loses events with Mosquitto's default limits, and the cloud logs the broker's drops", async () => {
    // The setup the README documented before: one listener, the per-edge ACL, no queue limits set.
    const broker = await startMosquitto({
      users: { [EDGE.username]: EDGE.password, [CLOUD.username]: CLOUD.password },
      acl: [
        'pattern readwrite edges/%u/#',
        'user cloud',
        'topic read edges/#',
        'topic read $SYS/broker/publish/messages/dropped',
        '',
      ].join('\n'),
      config: ['sys_interval 1'],
    });
    cleanups.push(() => broker.dispose());
    const { cloud, stored, log } = await outage({ broker, edgeUrl: broker.url, cloudUrl: broker.url });
    // Every event is either stored or among the drops the broker counted (statuses may be too).
    const accounted = async () => (await stored()) + (cloud.brokerDroppedMessages() ?? 0) >= EVENTS;
    await until(accounted, 'every event stored or counted as dropped', 60_000);
    await sleep(2000);
    // The session's queue held 1,000 messages; nothing more comes.
    expect(await stored()).toBeLessThanOrEqual(1000);
    const dropped = cloud.brokerDroppedMessages();
    expect(dropped).toBeGreaterThanOrEqual(EVENTS - 1000);
    expect(droppedLogs(log).at(-1)).toMatchObject({ droppedTotal: dropped });
    // What an operator's monitoring reads.
    const health = await (await fetch(`${cloud.url}/health`)).json();
    expect(health).toEqual({ status: 'ok', broker: { droppedMessages: dropped } });
  }, 90_000);
});
