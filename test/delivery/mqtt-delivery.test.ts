import { type ChildProcessWithoutNullStreams, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { connect, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EdgeStatusSchema } from '../../foundation/contract/edge-status.ts';
import type { EdgeEvent } from '../../foundation/contract/events.ts';
import { MqttPublisher, type PublisherLogger } from '../../foundation/delivery/mqtt-publisher.ts';
import { DiskOutboxStore } from '../../foundation/delivery/outbox/disk-outbox-store.ts';
import { Outbox } from '../../foundation/delivery/outbox/outbox.ts';
import { sampleEvent, sleep, startMosquitto, type TestBroker } from './mosquitto.ts';

/**
 * Delivery against a real broker: a mosquitto of this file's own (stopped and killed at will; the
 * machine's shared one on 1883 is never touched), mqtt.js as the subscriber, and publishers in
 * this process or in child processes killed with SIGKILL.
 */

/** As the issue asks: the broker is down for 30 s while events are produced. */
const OUTAGE_MS = 30_000;
const BACKOFF = { initialSeconds: 0.1, maxSeconds: 0.5 };

const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm')).href;
const repo = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));

let broker: TestBroker;
let work: string;
const cleanups: (() => Promise<unknown> | undefined)[] = [];

beforeAll(async () => {
  broker = await startMosquitto();
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'mqtt-delivery-'));
  fs.writeFileSync(path.join(work, 'publisher-child.mts'), CHILD_SCRIPT);
});

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await broker?.dispose();
  fs.rmSync(work, { recursive: true, force: true });
});

// --- helpers -------------------------------------------------------------------------------------

interface Received {
  topic: string;
  payload: string;
  retain: boolean;
}

interface Subscriber {
  client: MqttClient;
  messages: Received[];
  waitUntil(done: (messages: Received[]) => boolean, what: string, timeoutMs?: number): Promise<void>;
}

/** A persistent-session QoS 1 subscriber (its session outlives broker restarts). */
async function subscribe(url: string, topic: string, clientId: string): Promise<Subscriber> {
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
  cleanups.push(() => client.endAsync(true));
  return {
    client,
    messages,
    async waitUntil(done, what, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (!done(messages)) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await sleep(20);
      }
    },
  };
}

const eventIds = (messages: Received[]) => messages.map((m) => (JSON.parse(m.payload) as EdgeEvent).eventId);
const statuses = (messages: Received[]) => messages.map((m) => EdgeStatusSchema.parse(JSON.parse(m.payload)));

/** Every id arrived; a duplicate has identical bytes; first arrivals keep each camera's order. */
function expectDelivered(messages: Received[], sent: readonly EdgeEvent[]): void {
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

interface Child {
  proc: ChildProcessWithoutNullStreams;
  lines: string[];
  waitFor(done: (lines: string[]) => boolean, what: string, timeoutMs?: number): Promise<void>;
  kill(signal: NodeJS.Signals): Promise<void>;
}

interface Link {
  url: string;
  /** From now on every byte either way is dropped; the connections stay open. */
  silence(): void;
  /** Drops the silenced connections; new ones pass again. */
  restore(): void;
}

/** A TCP relay to the broker that can go silent, as a flaky mobile link does. */
async function startLink(targetPort: number): Promise<Link> {
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
  cleanups.push(
    () =>
      new Promise((resolve) => {
        for (const pair of pairs) for (const socket of pair) socket.destroy();
        server.close(resolve);
      }),
  );
  return {
    url: `mqtt://127.0.0.1:${port}`,
    silence() {
      silent = true;
    },
    restore() {
      for (const pair of pairs) for (const socket of pair) socket.destroy();
      silent = false;
    },
  };
}

/** The publisher in a process of its own (see CHILD_SCRIPT). */
function startPublisherChild(args: {
  dir: string;
  edgeId: string;
  run: string;
  count: number;
  url?: string;
}): Child {
  const proc = spawn(
    process.execPath,
    [
      '--import',
      tsxLoader,
      path.join(work, 'publisher-child.mts'),
      repo,
      args.dir,
      args.url ?? broker.url,
      args.edgeId,
      args.run,
      String(args.count),
    ],
    { stdio: 'pipe' },
  );
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
    async waitFor(done, what, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (!done(lines)) {
        if (proc.exitCode !== null) throw new Error(`publisher child exited (${proc.exitCode}): ${stderr}`);
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; stderr: ${stderr}`);
        await sleep(10);
      }
    },
    async kill(signal) {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      await exited;
    },
  };
  cleanups.push(() => child.kill('SIGKILL'));
  return child;
}

const CHILD_SCRIPT = `
const [repo, dir, url, edgeId, run, count] = process.argv.slice(2);
const { Outbox } = await import(repo + '/foundation/delivery/outbox/outbox.ts');
const { DiskOutboxStore } = await import(repo + '/foundation/delivery/outbox/disk-outbox-store.ts');
const { MqttPublisher } = await import(repo + '/foundation/delivery/mqtt-publisher.ts');
const { sampleEvent } = await import(repo + '/test/delivery/mosquitto.ts');
const say = (line) => process.stdout.write(line + '\\n');
const outbox = new Outbox(DiskOutboxStore.open(dir));
const publisher = new MqttPublisher({
  edgeId, mqtt: { url }, outbox, heartbeatSeconds: 1,
  backoff: { initialSeconds: 0.1, maxSeconds: 0.5 },
  health: () => [{ id: 'cam-a', state: 'running', lastFrameTime: 1_700_000_000_000, reconnects: 0, lastError: null, framesDecoded: 42 }],
});
let connected = false;
setInterval(() => {
  if (publisher.connected !== connected) say((connected = publisher.connected) ? 'connected' : 'disconnected');
}, 5);
process.on('SIGTERM', () => void publisher.close().then(() => outbox.close()).then(() => process.exit(0)));
say('pending ' + outbox.depth);
for (let n = 0; n < Number(count); n++) {
  const event = sampleEvent(edgeId, run, n);
  await publisher.deliver(event);
  say('appended ' + event.eventId);
  await new Promise((resolve) => setTimeout(resolve, 3));
}
await publisher.drained();
say('drained');
`;

/** Gives a publisher that cannot connect time for a couple of attempts. */
async function publisherSettles(publisher: MqttPublisher): Promise<void> {
  const deadline = Date.now() + 5000;
  while (publisher.stats().connectionFailures < 2 && Date.now() < deadline) await sleep(20);
}

function captureLogger(): PublisherLogger & { lines: string[] } {
  const lines: string[] = [];
  const log = (object: object, message: string) => lines.push(`${message} ${JSON.stringify(object)}`);
  return { lines, info: log, warn: log, error: log };
}

// --- tests ---------------------------------------------------------------------------------------

describe('MQTT delivery through the outbox (real mosquitto)', () => {
  it(`delivers everything appended during a ${OUTAGE_MS / 1000} s broker outage once it is back`, async () => {
    const edgeId = 'edge-a';
    const sub = await subscribe(broker.url, `edges/${edgeId}/events/#`, 'sub-outage');
    const outbox = new Outbox(DiskOutboxStore.open(path.join(work, 'outage')));
    const logger = captureLogger();
    const publisher = new MqttPublisher({
      edgeId,
      mqtt: { url: broker.url },
      outbox,
      backoff: BACKOFF,
      logger,
    });
    cleanups.push(() => publisher.close().then(() => outbox.close()));
    const sent: EdgeEvent[] = [];
    const deliver = async (n: number) => {
      const event = sampleEvent(edgeId, 'outage', n);
      sent.push(event);
      await publisher.deliver(event);
    };

    for (let n = 0; n < 10; n++) await deliver(n);
    await publisher.drained();

    await broker.stop();
    const outageEnds = Date.now() + OUTAGE_MS;
    let n = 10;
    while (Date.now() < outageEnds) {
      await deliver(n++);
      await sleep(100);
    }
    expect(publisher.connected).toBe(false);
    expect(outbox.depth).toBeGreaterThanOrEqual(n - 10 - 1);
    expect(publisher.stats().inFlight).toBeLessThanOrEqual(publisher.stats().outbox.depth);
    await broker.start();

    await publisher.drained();
    await sub.waitUntil((m) => new Set(eventIds(m)).size >= sent.length, `all ${sent.length} events`);
    expectDelivered(sub.messages, sent);
    const stats = publisher.stats();
    expect(stats).toMatchObject({ connected: true, inFlight: 0 });
    expect(stats.connects).toBeGreaterThanOrEqual(2);
    expect(stats.connectionFailures).toBeGreaterThanOrEqual(2);
    expect(stats.acked).toBe(sent.length);
    expect(stats.lastError).toMatch(/ECONNREFUSED/);
    expect(stats.latencyMs.max).toBeGreaterThan(1000);
    expect(logger.lines.join('\n')).toMatch(/MQTT connection failed.*ECONNREFUSED/);
  });

  it('delivers every event a publisher reported appended before it was killed with SIGKILL', async () => {
    const edgeId = 'edge-b';
    const sub = await subscribe(broker.url, `edges/${edgeId}/events/#`, 'sub-kill');
    const link = await startLink(broker.port);
    const dir = path.join(work, 'killed');
    const count = 600;
    const first = startPublisherChild({ dir, edgeId, run: 'kill', count, url: link.url });
    const appended = (lines: string[]) => lines.filter((l) => l.startsWith('appended ')).length;
    // The link goes silent (no error, no PUBACK: the connection still looks up), the child keeps
    // appending with a window of publishes unacknowledged, and then it is killed.
    await first.waitFor((lines) => appended(lines) >= 100, '100 appends');
    link.silence();
    const atSilence = appended(first.lines);
    await first.waitFor((lines) => appended(lines) >= atSilence + 150, 'appends over a silent link');
    await first.kill('SIGKILL');
    const reported = first.lines
      .filter((l) => l.startsWith('appended '))
      .map((l) => l.slice('appended '.length));
    expect(reported.length).toBeLessThan(count);
    link.restore();

    const second = startPublisherChild({ dir, edgeId, run: 'kill', count: 0, url: link.url });
    await second.waitFor((lines) => lines.includes('drained'), 'the restarted publisher to drain');
    const left = Number(second.lines.find((l) => l.startsWith('pending '))?.split(' ')[1]);
    // Everything appended after the link went silent was still in the outbox, in flight or not.
    expect(left).toBeGreaterThanOrEqual(reported.length - atSilence);
    await sub.waitUntil((m) => reported.every((id) => eventIds(m).includes(id)), 'every reported event');
    // What arrived is the child's events byte for byte, in order per camera; nothing reported is missing.
    const arrived = new Set(eventIds(sub.messages));
    const all = Array.from({ length: count }, (_, n) => sampleEvent(edgeId, 'kill', n));
    expectDelivered(
      sub.messages,
      all.filter((e) => arrived.has(e.eventId)),
    );
    expect(reported.filter((id) => !arrived.has(id))).toEqual([]);
    await second.kill('SIGTERM');
  });

  it('keeps a retained status: online on connect, Last Will offline on SIGKILL, online again', async () => {
    const edgeId = 'edge-c';
    const topic = `edges/${edgeId}/status`;
    const sub = await subscribe(broker.url, topic, 'sub-status');
    const dir = path.join(work, 'status');
    const last = () => statuses(sub.messages).at(-1);

    const first = startPublisherChild({ dir, edgeId, run: 'status', count: 0 });
    await sub.waitUntil(() => last()?.state === 'online', 'online');
    // A heartbeat follows within heartbeatSeconds (1 s here), with the cameras' health.
    await sub.waitUntil((m) => statuses(m).filter((s) => s.state === 'online').length >= 2, 'a heartbeat');
    expect(last()).toMatchObject({
      state: 'online',
      edgeId,
      clientId: `edge-${edgeId}`,
      outbox: { depth: 0 },
      cameras: [{ id: 'cam-a', state: 'running' }],
    });

    await first.kill('SIGKILL');
    await sub.waitUntil(() => last()?.state === 'offline', 'the Last Will');
    expect(last()).toEqual({
      state: 'offline',
      edgeId,
      clientId: `edge-${edgeId}`,
      reason: 'connection lost',
    });
    // Retained: a subscriber arriving now is told at once.
    const late = await subscribe(broker.url, topic, 'sub-status-late');
    await late.waitUntil((m) => m.length > 0, 'the retained status');
    expect(late.messages[0]).toMatchObject({ retain: true });
    expect(statuses(late.messages)[0]).toMatchObject({ state: 'offline', reason: 'connection lost' });

    const second = startPublisherChild({ dir, edgeId, run: 'status', count: 0 });
    await sub.waitUntil(() => last()?.state === 'online', 'online again');

    await second.kill('SIGTERM');
    await sub.waitUntil(() => last()?.state === 'offline', 'offline on a clean stop');
    expect(last()).toMatchObject({ state: 'offline', reason: 'stopped' });
  });

  it('logs a refused connection with its reason and keeps retrying with backoff', async () => {
    const secured = await startMosquitto({ users: { edge: 'right-password' } });
    cleanups.push(() => secured.dispose());
    const outbox = new Outbox(DiskOutboxStore.open(path.join(work, 'refused')));
    const logger = captureLogger();
    const wrong = new MqttPublisher({
      edgeId: 'edge-d',
      mqtt: { url: secured.url, username: 'edge', password: 'wrong-password' },
      outbox,
      backoff: BACKOFF,
      logger,
    });
    await wrong.deliver(sampleEvent('edge-d', 'refused', 0));
    await sleep(1500);
    const stats = wrong.stats();
    expect(stats.connected).toBe(false);
    expect(stats.connects).toBe(0);
    expect(stats.connectionFailures).toBeGreaterThanOrEqual(2);
    expect(stats.lastError).toMatch(
      /Connection refused: (Bad User Name or Password|Not authorized) \(13[45]\)/,
    );
    expect(logger.lines.join('\n')).toMatch(/MQTT connection failed.*"code":13[45]/);
    expect(outbox.depth).toBe(1);
    await wrong.close();

    // The same outbox with the right password delivers what waited.
    const right = new MqttPublisher({
      edgeId: 'edge-d',
      mqtt: { url: secured.url, username: 'edge', password: 'right-password' },
      outbox,
      backoff: BACKOFF,
    });
    await right.drained();
    expect(right.stats()).toMatchObject({ connected: true, acked: 1 });
    await right.close();
    await outbox.close();
  });

  it('keeps a publish the broker refuses (PUBACK 0x87) and retries it, while the rest flows on', async () => {
    const edgeId = 'edge-e';
    const events = `edges/${edgeId}/events`;
    const guarded = await startMosquitto({
      acl: `topic readwrite edges/${edgeId}/status\ntopic read ${events}/#\ntopic write ${events}/loitering\n`,
    });
    cleanups.push(() => guarded.dispose());
    const sub = await subscribe(guarded.url, `${events}/#`, 'sub-refused');
    const outbox = new Outbox(DiskOutboxStore.open(path.join(work, 'acl')));
    const logger = captureLogger();
    const publisher = new MqttPublisher({
      edgeId,
      mqtt: { url: guarded.url },
      outbox,
      backoff: BACKOFF,
      logger,
    });
    cleanups.push(() => publisher.close().then(() => outbox.close()));
    const sent = [0, 1, 2].map((n) => sampleEvent(edgeId, 'acl', n));
    const refused = { ...(sent[1] as EdgeEvent), type: 'parking' as const };
    for (const event of [sent[0], refused, sent[2]]) await publisher.deliver(event as EdgeEvent);

    await sub.waitUntil((m) => eventIds(m).length >= 2, 'the two allowed events');
    await sleep(300);
    expect(eventIds(sub.messages)).toEqual([sent[0]?.eventId, sent[2]?.eventId]);
    expect(outbox.depth).toBe(1);
    expect(publisher.stats().refused).toBeGreaterThanOrEqual(1);
    expect(logger.lines.join('\n')).toMatch(/broker refused a publish.*"code":135/);

    await guarded.setAcl('topic readwrite #\n');
    await publisher.drained();
    await sub.waitUntil((m) => eventIds(m).includes(refused.eventId), 'the refused event, once allowed');
    expect(sub.messages.at(-1)?.topic).toBe(`${events}/parking`);
  });

  it('connects over mqtts with the CA file of the config, and refuses a server it cannot verify', async () => {
    const certs = fs.mkdtempSync(path.join(os.tmpdir(), 'mqtt-tls-'));
    fs.chmodSync(certs, 0o755);
    cleanups.push(async () => fs.rmSync(certs, { recursive: true, force: true }));
    const file = (name: string) => path.join(certs, name);
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' });
    openssl(
      'req',
      '-x509',
      ...ec,
      '-keyout',
      file('ca.key'),
      '-out',
      file('ca.crt'),
      '-days',
      '2',
      '-subj',
      '/CN=test-ca',
    );
    openssl(
      'req',
      ...ec,
      '-keyout',
      file('server.key'),
      '-out',
      file('server.csr'),
      '-subj',
      '/CN=localhost',
    );
    fs.writeFileSync(file('san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
    openssl(
      'x509',
      '-req',
      '-in',
      file('server.csr'),
      '-CA',
      file('ca.crt'),
      '-CAkey',
      file('ca.key'),
      '-CAcreateserial',
      '-out',
      file('server.crt'),
      '-days',
      '2',
      '-extfile',
      file('san.ext'),
    );
    for (const name of fs.readdirSync(certs)) fs.chmodSync(file(name), 0o644);
    const tls = await startMosquitto({
      config: [`cafile ${file('ca.crt')}`, `certfile ${file('server.crt')}`, `keyfile ${file('server.key')}`],
    });
    cleanups.push(() => tls.dispose());
    const url = `mqtts://127.0.0.1:${tls.port}`;
    const edgeId = 'edge-f';

    const outbox = new Outbox(DiskOutboxStore.open(path.join(work, 'tls')));
    const unverified = new MqttPublisher({ edgeId, mqtt: { url }, outbox, backoff: BACKOFF });
    await publisherSettles(unverified);
    expect(unverified.stats()).toMatchObject({ connected: false, connects: 0 });
    expect(unverified.stats().lastError).toMatch(/self[- ]signed|unable to verify|certificate/i);
    await unverified.close();

    const publisher = new MqttPublisher({
      edgeId,
      mqtt: { url, caFile: file('ca.crt') },
      outbox,
      backoff: BACKOFF,
    });
    await publisher.deliver(sampleEvent(edgeId, 'tls', 0));
    await publisher.drained();
    expect(publisher.stats()).toMatchObject({ connected: true, acked: 1 });
    await publisher.close();
    await outbox.close();
  });
});
