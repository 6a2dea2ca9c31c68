import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { connectAsync, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningCloud, startCloud } from '../../cloud/app/start-cloud.ts';
import { CloudConfigSchema } from '../../cloud/config/cloud-config-schema.ts';
import { topicOfSubject } from '../../cloud/nats/nats-subjects.ts';
import { topics } from '../../foundation/contract/topics.ts';
import { edgeEvent, message } from '../cloud/support/events.ts';
import { fixtureConfig, token } from '../cloud/support/fixtures.ts';
import { type NatsCluster, startNatsCluster } from './support/nats-cluster.ts';

describe('topicOfSubject', () => {
  it('gives back the MQTT topic of a subject NATS mapped it to, with or without $MQTT_msgs’ prefix', () => {
    expect(topicOfSubject('$MQTT.msgs.edges.hub-1.events.street_vending')).toBe(
      'edges/hub-1/events/street_vending',
    );
    expect(topicOfSubject('edges.hub-1.status')).toBe('edges/hub-1/status');
  });
  it('refuses subjects whose topic had an empty level or a leading "/" rather than guess', () => {
    expect(topicOfSubject('edges./.x')).toBeUndefined();
    expect(topicOfSubject('edges..x')).toBeUndefined();
  });
});

describe('the cloud config’s nats section', () => {
  it('needs the MQTT listener’s URL and MQTT 3.1.1, naming the field', async () => {
    const base = await fixtureConfig();
    const without = CloudConfigSchema.safeParse({
      ...base,
      mqtt: {},
      nats: { servers: ['nats://127.0.0.1:4222'] },
    });
    expect(without.error?.issues.map((issue) => issue.path.join('.'))).toEqual(['mqtt.url']);
    const v5 = CloudConfigSchema.safeParse({
      ...base,
      mqtt: { url: 'mqtt://127.0.0.1:1883', protocolVersion: 5 },
      nats: { servers: ['nats://127.0.0.1:4222'] },
    });
    expect(v5.error?.issues[0]?.message).toMatch(/3\.1\.1/);
    const badServer = CloudConfigSchema.safeParse({
      ...base,
      mqtt: { url: 'mqtt://127.0.0.1:1883' },
      nats: { servers: ['http://127.0.0.1:4222'] },
    });
    expect(badServer.error?.issues[0]?.path.join('.')).toBe('nats.servers.0');
  });
});

// One cloud in this process on a three-node cluster: events and the retained status an edge
// publishes over MQTT reach the database through JetStream, and /metrics shows the consumers' lag.
describe('the cloud consuming NATS JetStream', () => {
  let cluster: NatsCluster;
  let cloud: RunningCloud;
  let edge: MqttClient;
  let evidenceDir: string;
  beforeAll(async () => {
    cluster = await startNatsCluster(3);
    evidenceDir = await mkdtemp(path.join(os.tmpdir(), 'nats-ingest-'));
    const base = await fixtureConfig();
    const node = cluster.nodes[0];
    cloud = await startCloud(
      CloudConfigSchema.parse({
        ...base,
        database: {},
        mqtt: { url: node?.mqttUrl, clientId: 'cloud-nats-ingest' },
        api: { host: '127.0.0.1', port: 0 },
        evidence: { dir: evidenceDir },
        nats: { servers: cluster.natsUrls, replicas: 3 },
      }),
      { logger: false, ui: false },
    );
    edge = await connectAsync(node?.mqttUrl ?? '', {
      protocolVersion: 4,
      clientId: 'lingnan-hub',
      clean: false,
    });
  }, 90_000);
  afterAll(async () => {
    await edge?.endAsync(true);
    await cloud?.stop();
    await cluster?.stop();
    if (evidenceDir) await rm(evidenceDir, { recursive: true, force: true });
  });

  it('turns an edge’s event into a ticket and keeps its retained status', async () => {
    const event = edgeEvent({
      edgeId: 'lingnan-hub',
      cameraId: 'ln-school',
      startedAt: new Date().toISOString(),
    });
    const m = message(event);
    await edge.publishAsync(m.topic, m.payload, { qos: 1 });
    const status = {
      state: 'online',
      edgeId: 'lingnan-hub',
      clientId: 'lingnan-hub',
      at: new Date().toISOString(),
    };
    await edge.publishAsync(topics.status('lingnan-hub'), JSON.stringify(status), { qos: 1, retain: true });
    await expect
      .poll(
        async () => {
          const response = await fetch(`${cloud.url}/api/v1/tickets`, {
            headers: { authorization: `Bearer ${token('admin')}` },
          });
          const { tickets } = (await response.json()) as { tickets: { cameraId: string }[] };
          return tickets.map((ticket) => ticket.cameraId);
        },
        { timeout: 15_000 },
      )
      .toEqual(['ln-school']);
    await expect
      .poll(
        async () =>
          cloud.db.query<{ state: string }>("SELECT state FROM edges WHERE edge_id = 'lingnan-hub'"),
        {
          timeout: 15_000,
        },
      )
      .toEqual([{ state: 'online' }]);
  });

  it('shows each durable consumer’s lag on /metrics', async () => {
    const text = await (await fetch(`${cloud.url}/metrics`)).text();
    expect(text).toMatch(/cloud_ingest_consumer_pending\{stream="\$MQTT_msgs",consumer="cloud-events"\} 0/);
    expect(text).toMatch(/cloud_ingest_consumer_pending\{stream="EDGE_STATUS",consumer="cloud-status"\} 0/);
    expect(text).toMatch(
      /cloud_ingest_consumer_ack_pending\{stream="\$MQTT_msgs",consumer="cloud-events"\} 0/,
    );
  });
});
