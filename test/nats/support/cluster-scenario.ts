import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect as natsConnect } from '@nats-io/transport-node';
import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt';
import pg from 'pg';
import YAML from 'yaml';
import { MQTT_MESSAGES_STREAM } from '../../../cloud/nats/nats-subjects.ts';
import { backendNamed } from '../../cloud/support/databases.ts';
import { edgeEvent, message } from '../../cloud/support/events.ts';
import { FIXTURE_CONFIG, FIXTURE_DIR } from '../../cloud/support/fixtures.ts';
import { spawnTsx, type TsxChild } from '../../support/spawn-tsx.ts';
import { type NatsCluster, startNatsCluster } from './nats-cluster.ts';

/**
 * issue 14's failure drill, shared by test/nats/ and the `nats-cluster` bench: a three-node NATS
 * cluster (JetStream, replicas 3, MQTT gateway on each node), two cloud instances (own processes)
 * on one throwaway PostgreSQL database sharing the durable consumers, and simulated edges
 * publishing MQTT QoS 1 into the gateways. A third of the way in, the node leading `$MQTT_msgs`
 * gets SIGKILL; half way in, the second cloud instance gets SIGKILL and is started again.
 */

export interface ScenarioOptions {
  edges: number;
  /** Per edge: incidents of 10 events (start, 8 updates, end). */
  eventsPerEdge: number;
  /** QoS 1 publishes awaiting their PUBACK, per edge. */
  window: number;
  /** How long after the last PUBACK the events may take to be stored. */
  settleMs: number;
  /** Kill the NATS node and the cloud instance (default); false: the same load with no failure, a baseline. */
  drill?: boolean;
  log?: (line: string) => void;
}

export interface ScenarioFigures {
  /** Events handed to mqtt.js's publish. */
  published: number;
  /** Of those, PUBACKed by NATS to the edge: the ones the edge forgets. */
  acknowledged: number;
  /** Distinct events of these edges in the database. */
  stored: number;
  /** Acknowledged to the edge and not in the database. */
  lost: number;
  /** Rows of one eventId past the first (the primary key makes it 0 unless the schema changes). */
  duplicateEvents: number;
  /** Edge incidents whose events were stored, and tickets made for them. */
  incidents: number;
  tickets: number;
  /** Edge incidents with more than one ticket. */
  duplicateTickets: number;
  /** The node killed ('' without the drill). */
  killedNatsNode: string;
  /** From the first publish until every acknowledged event was stored (or the settle time ran out). */
  seconds: number;
}

const INCIDENT_SIZE = 10;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The n-th event of an edge; each edge's incidents are a day apart from another edge's (no merging). */
function wire(edgeIndex: number, n: number) {
  const incident = Math.floor(n / INCIDENT_SIZE);
  const sequence = n % INCIDENT_SIZE;
  const event = edgeEvent({
    edgeId: `nats-edge-${edgeIndex}`,
    cameraId: `cam-${incident % 3}`,
    key: String(incident),
    sequence,
    ...(sequence === INCIDENT_SIZE - 1 ? { phase: 'end' as const } : {}),
    startedAt: new Date(Date.UTC(2026, 10, 1 + edgeIndex, 4) + incident * 60_000).toISOString(),
  });
  return { ...message(event), eventId: event.eventId };
}

interface Instance {
  child: TsxChild;
  url: string;
}

async function startInstance(configFile: string): Promise<Instance> {
  const child = spawnTsx('apps/cloud/main.ts', ['run', '--config', configFile]);
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`cloud did not start: ${child.stderr()}`)), 60_000);
    child.onLine((line) => {
      const ready = /^cloud: API (\S+)/.exec(line);
      if (!ready) return;
      clearTimeout(timer);
      resolve(ready[1] as string);
    });
    child.exited.then((code) => reject(new Error(`cloud exited (${code}): ${child.stderr()}`)));
  });
  return { child, url };
}

async function killInstance(instance: Instance, signal: 'SIGKILL' | 'SIGTERM'): Promise<void> {
  if (instance.child.child.exitCode !== null || instance.child.child.signalCode !== null) return;
  instance.child.child.kill(signal);
  await instance.child.exited;
}

/** One edge: a persistent session that fails over to the next node, in order, when its node dies. */
function edgeOptions(cluster: NatsCluster, index: number): IClientOptions {
  const ports = cluster.nodes.map((node) => node.mqttPort);
  const rotated = [...ports.slice(index % ports.length), ...ports.slice(0, index % ports.length)];
  return {
    servers: rotated.map((port) => ({ host: '127.0.0.1', port })),
    protocolVersion: 4,
    clientId: `nats-edge-${index}`,
    clean: false,
    reconnectPeriod: 250,
    connectTimeout: 5000,
  };
}

async function publishAll(
  edge: MqttClient,
  index: number,
  options: ScenarioOptions,
  acked: Set<string>,
  onProgress: (n: number) => Promise<void>,
  onAck: () => void,
): Promise<number> {
  const pending = new Set<Promise<unknown>>();
  let published = 0;
  for (let n = 0; n < options.eventsPerEdge; n++) {
    const m = wire(index, n);
    const ack: Promise<unknown> = edge
      .publishAsync(m.topic, m.payload, { qos: 1 })
      .then(() => {
        acked.add(m.eventId);
        onAck();
      })
      .catch(() => {})
      .finally(() => pending.delete(ack));
    pending.add(ack);
    published++;
    if (pending.size >= options.window) await Promise.race(pending);
    await onProgress(n);
  }
  await Promise.all(pending);
  return published;
}

async function countStored(url: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const events = await client.query<{ event_id: string }>(
      "SELECT event_id FROM events WHERE edge_id LIKE 'nats-edge-%'",
    );
    const tickets = await client.query<{ incidents: string; tickets: string; doubled: string }>(`
      SELECT count(DISTINCT s.edge_incident_id) AS incidents, count(DISTINCT t.id) AS tickets,
             (SELECT count(*) FROM (
                SELECT s2.edge_incident_id FROM incident_sources s2 JOIN tickets t2 USING (incident_id)
                WHERE s2.edge_id LIKE 'nats-edge-%' GROUP BY 1 HAVING count(DISTINCT t2.id) > 1) d) AS doubled
      FROM incident_sources s LEFT JOIN tickets t USING (incident_id) WHERE s.edge_id LIKE 'nats-edge-%'`);
    const row = tickets.rows[0] ?? { incidents: '0', tickets: '0', doubled: '0' };
    return {
      eventIds: events.rows.map((r) => r.event_id),
      incidents: Number(row.incidents),
      tickets: Number(row.tickets),
      doubled: Number(row.doubled),
    };
  } finally {
    await client.end();
  }
}

/** The node leading the stream the events are stored in (the one whose loss hurts most). */
async function leaderOf(cluster: NatsCluster, stream: string): Promise<string> {
  const nc = await natsConnect({ servers: cluster.natsUrls });
  try {
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info(stream);
    return info.cluster?.leader ?? 'n1';
  } finally {
    await nc.close();
  }
}

export async function runClusterScenario(options: ScenarioOptions): Promise<ScenarioFigures> {
  const log = options.log ?? (() => {});
  const cleanups: (() => Promise<unknown>)[] = [];
  try {
    const cluster = await startNatsCluster(3);
    cleanups.push(() => cluster.stop());
    const database = await backendNamed('postgres').create();
    cleanups.push(() => database.dispose());
    const dir = await mkdtemp(path.join(os.tmpdir(), 'nats-scenario-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    // The fixture's config, its file paths made absolute: the instances read it from a temp folder.
    const base = YAML.parse(await readFile(FIXTURE_CONFIG, 'utf8')) as {
      places: { grids: string; cameras: string };
      permits: { file: string };
    };
    const fixture = (file: string) => path.resolve(FIXTURE_DIR, file);
    const configFor = async (name: string, mqttUrl: string) => {
      const file = path.join(dir, `${name}.json`);
      const config = {
        ...base,
        places: { grids: fixture(base.places.grids), cameras: fixture(base.places.cameras) },
        permits: { ...base.permits, file: fixture(base.permits.file) },
        database: { url: database.url },
        mqtt: { url: mqttUrl, protocolVersion: 4, clientId: name },
        api: { host: '127.0.0.1', port: 0 },
        evidence: { dir: path.join(dir, 'evidence') },
        nats: { servers: cluster.natsUrls, replicas: 3, ackWaitSeconds: 5 },
      };
      await writeFile(file, JSON.stringify(config));
      return file;
    };
    const liveMqtt = () => (cluster.nodes.find((node) => node.running) ?? cluster.nodes[0])?.mqttUrl ?? '';
    // One after the other: the first migrates the database and makes the durables.
    const first = await startInstance(await configFor('cloud-a', cluster.nodes[0]?.mqttUrl ?? ''));
    cleanups.push(() => killInstance(first, 'SIGTERM'));
    let second = await startInstance(await configFor('cloud-b', cluster.nodes[1]?.mqttUrl ?? ''));
    cleanups.push(() => killInstance(second, 'SIGTERM'));
    log(`cloud instances at ${first.url} and ${second.url}`);

    const drill = options.drill ?? true;
    const killedNatsNode = drill ? await leaderOf(cluster, MQTT_MESSAGES_STREAM) : '';
    const edges = await Promise.all(
      Array.from({ length: options.edges }, (_, i) => connectAsync(edgeOptions(cluster, i))),
    );
    cleanups.push(() => Promise.all(edges.map((edge) => edge.endAsync(true))));
    const acked = new Set<string>();
    const started = performance.now();
    let natsKilled = false;
    let cloudKilled = false;
    let restarting: Promise<void> | undefined;
    const onProgress = async (n: number) => {
      if (drill && !natsKilled && n >= options.eventsPerEdge / 3) {
        natsKilled = true;
        log(
          `SIGKILL nats node ${killedNatsNode} (leader of ${MQTT_MESSAGES_STREAM}), ${acked.size} acknowledged`,
        );
        await cluster.nodes.find((node) => node.name === killedNatsNode)?.kill();
      }
    };
    // Once the cluster has recovered and events flow again: cloud-b is most likely mid-batch.
    const total = options.edges * options.eventsPerEdge;
    const onAck = () => {
      if (cloudKilled || !natsKilled || acked.size < total * 0.6) return;
      cloudKilled = true;
      log(`SIGKILL cloud-b, ${acked.size} acknowledged; starting it again`);
      restarting = killInstance(second, 'SIGKILL')
        .then(async () => startInstance(await configFor('cloud-b', liveMqtt())))
        .then((restarted) => {
          second = restarted;
          log('cloud-b running again');
        });
    };
    const published = (
      await Promise.all(edges.map((edge, i) => publishAll(edge, i, options, acked, onProgress, onAck)))
    ).reduce((a, b) => a + b, 0);
    log(`published ${published}, acknowledged ${acked.size}`);
    await restarting;

    let stored = await countStored(database.url as string);
    const until = Date.now() + options.settleMs;
    while (Date.now() < until) {
      const storedIds = new Set(stored.eventIds);
      if ([...acked].every((id) => storedIds.has(id))) break;
      await sleep(250);
      stored = await countStored(database.url as string);
    }
    const seconds = (performance.now() - started) / 1000;
    const storedIds = new Set(stored.eventIds);
    return {
      published,
      acknowledged: acked.size,
      stored: storedIds.size,
      lost: [...acked].filter((id) => !storedIds.has(id)).length,
      duplicateEvents: stored.eventIds.length - storedIds.size,
      incidents: stored.incidents,
      tickets: stored.tickets,
      duplicateTickets: stored.doubled,
      killedNatsNode,
      seconds,
    };
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  }
}
