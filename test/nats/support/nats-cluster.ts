import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';

/**
 * A throwaway NATS cluster on loopback: N `nats-server` processes (Debian's), each with
 * JetStream in a temp folder, a cluster route to the others and the MQTT gateway, all on free
 * ports (never the machine's shared server on 4222).
 */

export interface NatsNode {
  readonly name: string;
  readonly natsUrl: string;
  readonly mqttPort: number;
  readonly mqttUrl: string;
  /** SIGKILL: no shutdown, no flush; what it held only in memory is gone. */
  kill(): Promise<void>;
  /** Starts it again on the same ports and store (after `kill`). */
  start(): Promise<void>;
  readonly running: boolean;
}

export interface NatsCluster {
  readonly nodes: readonly NatsNode[];
  readonly natsUrls: string[];
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function portOpen(port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.end();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function waitForPort(name: string, port: number, child: ChildProcess, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`nats-server ${name} exited with ${child.exitCode}`);
    if (await portOpen(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`nats-server ${name}: port ${port} did not open in ${ms} ms`);
}

interface Ports {
  client: number;
  cluster: number;
  mqtt: number;
}

function nodeConfig(name: string, dir: string, own: Ports, all: readonly Ports[]): string {
  const routes = all.map((ports) => `nats-route://127.0.0.1:${ports.cluster}`).join(', ');
  return [
    `server_name: ${name}`,
    `listen: 127.0.0.1:${own.client}`,
    `jetstream { store_dir: "${path.join(dir, name)}" }`,
    `cluster { name: city-test, listen: 127.0.0.1:${own.cluster}, routes: [${routes}] }`,
    `mqtt { listen: 127.0.0.1:${own.mqtt} }`,
  ].join('\n');
}

/** The ports open before the JetStream meta group has elected a leader: asks until it answers. */
async function untilJetStreamAnswers(servers: string[], ms = 30_000): Promise<void> {
  const until = Date.now() + ms;
  const nc = await connect({ servers });
  try {
    for (;;) {
      try {
        await jetstreamManager(nc, { timeout: 2000 });
        return;
      } catch (error) {
        if (Date.now() > until) throw new Error(`JetStream did not answer in ${ms} ms: ${error}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  } finally {
    await nc.close();
  }
}

/** Starts `size` nodes and waits until each listens on its MQTT port (JetStream is up then). */
export async function startNatsCluster(size = 3): Promise<NatsCluster> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'nats-cluster-'));
  const ports: Ports[] = [];
  for (let i = 0; i < size; i++)
    ports.push({ client: await freePort(), cluster: await freePort(), mqtt: await freePort() });
  const nodes = ports.map((own, i) => {
    const name = `n${i + 1}`;
    const file = path.join(dir, `${name}.conf`);
    let child: ChildProcess | undefined;
    const node = {
      name,
      natsUrl: `nats://127.0.0.1:${own.client}`,
      mqttPort: own.mqtt,
      mqttUrl: `mqtt://127.0.0.1:${own.mqtt}`,
      get running() {
        return child !== undefined && child.exitCode === null && child.signalCode === null;
      },
      async start() {
        await writeFile(file, nodeConfig(name, dir, own, ports));
        child = spawn('nats-server', ['-c', file], { stdio: 'ignore' });
        await waitForPort(name, own.mqtt, child, 30_000);
      },
      async kill() {
        const running = child;
        if (!running || running.exitCode !== null || running.signalCode !== null) return;
        const exited = new Promise((resolve) => running.once('exit', resolve));
        running.kill('SIGKILL');
        await exited;
      },
      async stop() {
        const running = child;
        if (!running || running.exitCode !== null || running.signalCode !== null) return;
        const exited = new Promise((resolve) => running.once('exit', resolve));
        running.kill('SIGTERM');
        await exited;
      },
    };
    return node;
  });
  try {
    // Together: the MQTT gateway opens only once JetStream has a meta leader, which needs a quorum.
    await Promise.all(nodes.map((node) => node.start()));
  } catch (error) {
    await Promise.all(nodes.map((node) => node.kill()));
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  await untilJetStreamAnswers(nodes.map((node) => node.natsUrl));
  return {
    nodes,
    natsUrls: nodes.map((node) => node.natsUrl),
    async stop() {
      await Promise.all(nodes.map((node) => node.stop()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
