import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningCloud, startCloud } from '../../cloud/app/start-cloud.ts';
import { loadCloudConfig } from '../../cloud/config/load-cloud-config.ts';
import { startNatsMqtt } from './support/nats-mqtt.ts';
import { edgeClient, publishEvent, startEvent } from './support/ui-cloud.ts';

// A cloud without the `nats` section, subscribing over MQTT to NATS's MQTT gateway (3.1.1 only, so
// without a shared group); the JetStream consumer of the production path is tested in test/nats/.
describe('the cloud consuming through NATS’s MQTT gateway', () => {
  let nats: Awaited<ReturnType<typeof startNatsMqtt>>;
  let cloud: RunningCloud;
  let evidenceDir: string;
  beforeAll(async () => {
    nats = await startNatsMqtt();
    evidenceDir = await mkdtemp(path.join(os.tmpdir(), 'nats-ev-'));
    const base = await loadCloudConfig(path.resolve('fixtures/cloud/cloud.yaml'));
    cloud = await startCloud(
      {
        ...base,
        api: { host: '127.0.0.1', port: 0 },
        mqtt: { ...base.mqtt, url: nats.mqttUrl, protocolVersion: 4, clientId: 'cloud-nats-test' },
        evidence: { dir: evidenceDir },
      },
      { logger: false, ui: false },
    );
  });
  afterAll(async () => {
    await cloud?.stop();
    await nats?.stop();
    if (evidenceDir) await rm(evidenceDir, { recursive: true, force: true });
  });

  it('turns an event an edge publishes to NATS into a ticket', async () => {
    const edge = await edgeClient(nats.mqttUrl, 'lingnan-hub');
    const now = new Date();
    await publishEvent(
      edge,
      startEvent({
        edgeId: 'lingnan-hub',
        cameraId: 'ln-school',
        type: 'street_vending',
        key: 'nats',
        startedAt: now,
        confidence: 0.9,
      }),
    );
    await edge.endAsync();
    await expect
      .poll(
        async () => {
          const response = await fetch(`${cloud.url}/api/v1/tickets`, {
            headers: { authorization: 'Bearer admin-token' },
          });
          const { tickets } = (await response.json()) as { tickets: { cameraId: string; gridId: string }[] };
          return tickets.map((t) => `${t.cameraId}@${t.gridId}`);
        },
        { timeout: 15_000 },
      )
      .toEqual([expect.stringMatching(/^ln-school@.+/)]);
  });
});
