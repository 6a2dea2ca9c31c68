import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connect } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { MqttConsumer } from '../../cloud/mqtt/mqtt-consumer.ts';
import { openCloudStore } from '../../cloud/repositories/cloud-store.ts';
import { createCloudCore } from '../../cloud/services/cloud-core.ts';
import { MqttPublisher } from '../../foundation/delivery/mqtt/mqtt-publisher.ts';
import { DiskOutboxStore } from '../../foundation/delivery/outbox/disk-outbox-store.ts';
import { Outbox } from '../../foundation/delivery/outbox/outbox.ts';
import { startMosquitto } from '../delivery/mosquitto.ts';
import { backendNamed } from './support/databases.ts';
import { edgeEvent } from './support/events.ts';
import { fixtureConfig, fixturePlaces } from './support/fixtures.ts';
import { until } from './support/until.ts';

const CAMERA_HEALTH = {
  id: 'ln-market',
  state: 'running',
  lastFrameTime: 1_795_300_000_000,
  reconnects: 0,
  lastError: null,
};

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe("the edge's own publisher into the cloud, through Mosquitto", () => {
  it('delivers events as one ticket and the edge status online, then offline when it stops', async () => {
    const broker = await startMosquitto();
    cleanups.push(() => broker.dispose());
    const pglite = backendNamed('pglite');
    const database = await pglite.open();
    cleanups.push(() => database.dispose());
    const core = createCloudCore(openCloudStore(database.db), await fixtureConfig(), await fixturePlaces());
    const consumer = new MqttConsumer({
      url: broker.url,
      clientId: 'cloud-e2e',
      protocolVersion: 5,
      group: 'cloud',
      sessionExpirySeconds: 600,
      handle: (batch) => core.processor.processBatch(batch),
    });
    cleanups.push(() => consumer.close());
    await consumer.ready;

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edge-outbox-'));
    const outbox = new Outbox(DiskOutboxStore.open(dir));
    cleanups.push(async () => {
      await outbox.close();
      fs.rmSync(dir, { recursive: true, force: true });
    });
    const edge = new MqttPublisher({
      edgeId: 'lingnan-hub',
      mqtt: { url: broker.url },
      connect,
      outbox,
      health: () => [CAMERA_HEALTH],
    });
    const base = {
      edgeId: 'lingnan-hub',
      cameraId: 'ln-market',
      key: 'edge',
      startedAt: '2026-11-21T04:00:00Z',
    };
    for (let sequence = 0; sequence < 3; sequence++) {
      await edge.deliver(
        edgeEvent({ ...base, sequence, ...(sequence === 2 ? { phase: 'end' as const } : {}) }),
      );
    }
    await edge.drained();

    const tickets = await until(async () => {
      const list = await core.store.tickets.list({});
      return list.total === 1 && list.tickets;
    }, 'the ticket');
    expect(tickets[0]).toMatchObject({ cameraId: 'ln-market', streetId: 'lingnan', state: 'new' });
    await until(async () => (await core.store.ingest.counts()).events === 3, 'three events');
    const online = await until(async () => {
      const [status] = await core.store.ingest.edges();
      return status?.state === 'online' && status;
    }, 'online');
    expect(online.status.cameras).toEqual([CAMERA_HEALTH]);

    await edge.close();
    await until(async () => (await core.store.ingest.edges())[0]?.state === 'offline', 'offline');
    expect((await core.store.ingest.counts()).deadLetters).toBe(0);
  });
});
