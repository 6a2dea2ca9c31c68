import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { connect, type MqttClient } from 'mqtt';
import { expect } from 'vitest';
import { EdgeStatusSchema } from '../../foundation/contract/edge-status.ts';
import type { EdgeEvent } from '../../foundation/contract/events.ts';
import { MqttPublisher, type MqttPublisherOptions } from '../../foundation/delivery/mqtt/mqtt-publisher.ts';
import type { PublisherLogger } from '../../foundation/delivery/mqtt/publish-link.ts';
import { DiskOutboxStore } from '../../foundation/delivery/outbox/disk-outbox-store.ts';
import { Outbox } from '../../foundation/delivery/outbox/outbox.ts';
import { sleep } from './mosquitto.ts';

/**
 * What the delivery tests against a real broker share: a work folder, cleanups, persistent
 * subscribers, a relay that can go silent, publishers in this process or in child processes.
 */

export const BACKOFF = { initialSeconds: 0.1, maxSeconds: 0.5 };

const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm')).href;
const childScript = fileURLToPath(new URL('./publisher-child.ts', import.meta.url));

export interface Received {
  topic: string;
  payload: string;
  retain: boolean;
}

export interface Subscriber {
  client: MqttClient;
  messages: Received[];
  waitUntil(done: (messages: Received[]) => boolean, what: string, timeoutMs?: number): Promise<void>;
}

export interface Child {
  proc: ChildProcessWithoutNullStreams;
  lines: string[];
  waitFor(done: (lines: string[]) => boolean, what: string, timeoutMs?: number): Promise<void>;
  kill(signal: NodeJS.Signals): Promise<void>;
}

export interface Link {
  url: string;
  /** From now on every byte either way is dropped; the connections stay open. */
  silence(): void;
  /** Drops the silenced connections; new ones pass again. */
  restore(): void;
}

export const eventIds = (messages: Received[]) =>
  messages.map((m) => (JSON.parse(m.payload) as EdgeEvent).eventId);
export const statuses = (messages: Received[]) =>
  messages.map((m) => EdgeStatusSchema.parse(JSON.parse(m.payload)));

/** Every id arrived; a duplicate has identical bytes; first arrivals keep each camera's order. */
export function expectDelivered(messages: Received[], sent: readonly EdgeEvent[]): void {
  const byId = new Map<string, string[]>();
  for (const m of messages) {
    const id = (JSON.parse(m.payload) as EdgeEvent).eventId;
    byId.set(id, [...(byId.get(id) ?? []), m.payload]);
  }
  expect(sent.filter((e) => !byId.has(e.eventId)).map((e) => e.eventId)).toEqual([]);
  for (const [id, copies] of byId) {
    expect(new Set(copies).size, `copies of ${id} differ`).toBe(1);
    expect(JSON.parse(copies[0] as string)).toEqual(sent.find((e) => e.eventId === id));
  }
  for (const camera of ['cam-a', 'cam-b']) {
    const firstArrivals = [...new Set(eventIds(messages))].filter((id) => id.includes(`:${camera}:`));
    expect(firstArrivals).toEqual(sent.filter((e) => e.cameraId === camera).map((e) => e.eventId));
  }
}

export function captureLogger(): PublisherLogger & { lines: string[] } {
  const lines: string[] = [];
  const log = (object: object, message: string) => lines.push(`${message} ${JSON.stringify(object)}`);
  return { lines, info: log, warn: log, error: log };
}

/** Gives a publisher that cannot connect time for a couple of attempts. */
export async function publisherSettles(publisher: MqttPublisher): Promise<void> {
  const deadline = Date.now() + 5000;
  while (publisher.stats().connectionFailures < 2 && Date.now() < deadline) await sleep(20);
}

async function waitFor<T>(
  read: () => T,
  done: (value: T) => boolean,
  fail: () => string | undefined,
  timeoutMs: number,
) {
  const deadline = Date.now() + timeoutMs;
  while (!done(read())) {
    const failure = fail() ?? (Date.now() > deadline ? 'timed out' : undefined);
    if (failure) throw new Error(failure);
    await sleep(10);
  }
}

export class DeliveryHarness {
  readonly work = fs.mkdtempSync(path.join(os.tmpdir(), 'mqtt-delivery-'));
  private readonly cleanups: (() => Promise<unknown> | undefined)[] = [];

  /** Runs at dispose, last registered first. */
  onDispose(cleanup: () => Promise<unknown> | undefined): void {
    this.cleanups.push(cleanup);
  }

  async dispose(): Promise<void> {
    for (const cleanup of this.cleanups.reverse()) await cleanup();
    fs.rmSync(this.work, { recursive: true, force: true });
  }

  /** A disk outbox in the work folder and a publisher on it, both closed at dispose. */
  publisher(
    name: string,
    options: Omit<MqttPublisherOptions, 'outbox' | 'connect'>,
  ): { outbox: Outbox; publisher: MqttPublisher } {
    const outbox = new Outbox(DiskOutboxStore.open(path.join(this.work, name)));
    const publisher = new MqttPublisher({ backoff: BACKOFF, ...options, outbox, connect });
    this.onDispose(() => publisher.close().then(() => outbox.close()));
    return { outbox, publisher };
  }

  /** A persistent-session QoS 1 subscriber (its session outlives broker restarts). */
  async subscribe(url: string, topic: string, clientId: string): Promise<Subscriber> {
    const messages: Received[] = [];
    const client = connect(url, {
      protocolVersion: 5,
      clientId,
      clean: false,
      properties: { sessionExpiryInterval: 300 },
      reconnectPeriod: 200,
    });
    client.on('message', (t, payload, packet) =>
      messages.push({ topic: t, payload: payload.toString(), retain: packet.retain }),
    );
    client.on('error', () => {});
    await new Promise((resolve) => client.once('connect', resolve));
    await client.subscribeAsync(topic, { qos: 1 });
    this.onDispose(() => client.endAsync(true));
    return {
      client,
      messages,
      waitUntil: (done, what, timeoutMs = 15_000) =>
        waitFor(
          () => messages,
          done,
          () => undefined,
          timeoutMs,
        ).catch(() => {
          throw new Error(`timed out waiting for ${what}`);
        }),
    };
  }

  /** A TCP relay to the broker that can go silent, as a flaky mobile link does. */
  async startLink(targetPort: number): Promise<Link> {
    let silent = false;
    const pairs = new Set<[net.Socket, net.Socket]>();
    const server = net.createServer((client) => {
      const upstream = net.connect(targetPort, '127.0.0.1');
      const pair: [net.Socket, net.Socket] = [client, upstream];
      pairs.add(pair);
      client.on('data', (data) => silent || upstream.write(data));
      upstream.on('data', (data) => silent || client.write(data));
      for (const socket of pair) {
        socket.on('error', () => {});
        socket.on('close', () => {
          pairs.delete(pair);
          client.destroy();
          upstream.destroy();
        });
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    const dropAll = () => {
      for (const pair of pairs) for (const socket of pair) socket.destroy();
    };
    this.onDispose(() => {
      dropAll();
      return new Promise((resolve) => server.close(resolve));
    });
    return {
      url: `mqtt://127.0.0.1:${port}`,
      silence: () => {
        silent = true;
      },
      restore: () => {
        dropAll();
        silent = false;
      },
    };
  }

  /** The publisher in a process of its own (publisher-child.ts). */
  startPublisherChild(args: { dir: string; edgeId: string; run: string; count: number; url: string }): Child {
    const argv = [childScript, args.dir, args.url, args.edgeId, args.run, String(args.count)];
    const proc = spawn(process.execPath, ['--import', tsxLoader, ...argv], { stdio: 'pipe' });
    const lines: string[] = [];
    let buffer = '';
    let stderr = '';
    proc.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const parts = buffer.split('\n');
      buffer = parts.pop() ?? '';
      lines.push(...parts);
    });
    proc.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    const child: Child = {
      proc,
      lines,
      waitFor: (done, what, timeoutMs = 15_000) =>
        waitFor(
          () => lines,
          done,
          () => (proc.exitCode !== null ? `publisher child exited (${proc.exitCode}): ${stderr}` : undefined),
          timeoutMs,
        ).catch((error: Error) => {
          throw new Error(`${error.message} waiting for ${what}; stderr: ${stderr}`);
        }),
      async kill(signal) {
        if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
        await exited;
      },
    };
    this.onDispose(() => child.kill('SIGKILL'));
    return child;
  }
}
