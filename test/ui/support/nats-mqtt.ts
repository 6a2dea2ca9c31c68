import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`nats-server exited with ${child.exitCode}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.end();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`nats-server's MQTT port ${port} did not open in ${ms} ms`);
}

/**
 * A throwaway nats-server of our own (never the machine's shared one on 4222) with JetStream and
 * its MQTT gateway (MQTT 3.1.1) on free ports.
 */
export async function startNatsMqtt(): Promise<{ mqttUrl: string; stop(): Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'nats-mqtt-'));
  const [clientPort, mqttPort] = [await freePort(), await freePort()];
  const config = path.join(dir, 'nats.conf');
  await writeFile(
    config,
    [
      `server_name: ui-test-${process.pid}`,
      `listen: 127.0.0.1:${clientPort}`,
      `jetstream { store_dir: "${path.join(dir, 'js')}" }`,
      `mqtt { listen: 127.0.0.1:${mqttPort} }`,
    ].join('\n'),
  );
  const child = spawn('nats-server', ['-c', config], { stdio: 'ignore' });
  try {
    await waitForPort(mqttPort, child, 15_000);
  } catch (error) {
    child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    mqttUrl: `mqtt://127.0.0.1:${mqttPort}`,
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}
