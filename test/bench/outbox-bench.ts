import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connect, type MqttClient } from 'mqtt';
import type { EdgeEvent } from '../../foundation/contract/events.ts';
import { MqttPublisher } from '../../foundation/delivery/mqtt/mqtt-publisher.ts';
import { DiskOutboxStore } from '../../foundation/delivery/outbox/disk-outbox-store.ts';
import { Outbox } from '../../foundation/delivery/outbox/outbox.ts';
import { sampleEvent, sleep, startMosquitto } from '../delivery/mosquitto.ts';
import { percentile, printTable } from './stats.ts';

const EVENTS = 10_000;
const SEQUENTIAL_APPENDS = 2_000;
const RUNS = 3;
const WINDOW = 100;
const EDGE_ID = 'bench-edge';
const progress = (line: string) => process.stderr.write(`outbox bench: ${line}\n`);

// --- the bench -----------------------------------------------------------------------------------

interface Counter {
  client: MqttClient;
  ids: Set<string>;
  waitFor(count: number, timeoutMs: number): Promise<void>;
}

/** A persistent-session subscriber counting distinct event ids under `edges/{edgeId}/events/#`. */
async function countingSubscriber(url: string, edgeId: string): Promise<Counter> {
  const ids = new Set<string>();
  const client = connect(url, {
    protocolVersion: 5,
    clientId: `bench-sub-${process.pid}`,
    clean: false,
    properties: { sessionExpiryInterval: 600 },
    reconnectPeriod: 100,
  });
  client.on('message', (_topic, payload) => {
    ids.add((JSON.parse(payload.toString()) as { eventId: string }).eventId);
  });
  client.on('error', () => {});
  await new Promise((resolve) => client.once('connect', resolve));
  await client.subscribeAsync(`edges/${edgeId}/events/#`, { qos: 1 });
  return {
    client,
    ids,
    async waitFor(count, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (ids.size < count) {
        if (Date.now() > deadline) throw new Error(`subscriber got ${ids.size} of ${count} events`);
        await sleep(20);
      }
    },
  };
}

async function plainPublish(url: string, payloads: readonly { topic: string; payload: string }[]) {
  const client = connect(url, {
    protocolVersion: 5,
    clientId: `bench-plain-${process.pid}`,
    reconnectPeriod: 0,
  });
  await new Promise((resolve) => client.once('connect', resolve));
  // As the publisher does (see MqttPublisher.onConnect): otherwise Nagle stalls the window.
  (client.stream as { setNoDelay?: (noDelay: boolean) => void }).setNoDelay?.(true);
  const t = performance.now();
  let next = 0;
  await new Promise<void>((resolve, reject) => {
    let acked = 0;
    const send = () => {
      const item = payloads[next++];
      if (!item) return;
      client.publish(item.topic, item.payload, { qos: 1 }, (error) => {
        if (error) reject(error);
        else if (++acked === payloads.length) resolve();
        else send();
      });
    };
    for (let k = 0; k < WINDOW; k++) send();
  });
  const seconds = (performance.now() - t) / 1000;
  await client.endAsync();
  return seconds;
}

function openPublisher(url: string, outbox: Outbox): MqttPublisher {
  return new MqttPublisher({
    edgeId: EDGE_ID,
    mqtt: { url, clientId: `bench-edge-${process.pid}` },
    connect,
    outbox,
    maxInFlight: WINDOW,
    backoff: { initialSeconds: 0.05, maxSeconds: 0.2 },
  });
}

async function waitConnected(publisher: MqttPublisher): Promise<void> {
  while (!publisher.connected) await sleep(2);
}

/**
 * MQTT delivery through the durable outbox against plain QoS 1 publishing (same broker, same
 * window of WINDOW unacknowledged publishes, same subscriber), the outbox's append latency with
 * fdatasync, and the time to drain a backlog after an outage. Uses a mosquitto of its own.
 */
export async function benchOutbox(): Promise<void> {
  const broker = await startMosquitto({
    config: [`max_inflight_messages ${WINDOW}`, 'max_queued_messages 0'],
  });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'outbox-bench-'));
  const subscriber = await countingSubscriber(broker.url, EDGE_ID);
  try {
    const events = (run: string, count: number) =>
      Array.from({ length: count }, (_, n) => sampleEvent(EDGE_ID, run, n));
    const topicOf = (e: EdgeEvent) => `edges/${EDGE_ID}/events/${e.type}`;
    const bytes = JSON.stringify(sampleEvent(EDGE_ID, 'x', 1)).length;

    progress('warm-up');
    await plainPublish(
      broker.url,
      events('warm', 1000).map((e) => ({ topic: topicOf(e), payload: JSON.stringify(e) })),
    );

    // Plain and outbox runs alternate, RUNS each; the tables give the median.
    const plainRuns: number[] = [];
    const burstRuns: number[] = [];
    let burstWrites = 0;
    let received = 1000;
    for (let r = 0; r < RUNS; r++) {
      progress(`plain QoS 1: ${EVENTS} events (run ${r + 1}/${RUNS})`);
      const payloads = events(`plain-${r}`, EVENTS).map((e) => ({
        topic: topicOf(e),
        payload: JSON.stringify(e),
      }));
      plainRuns.push(await plainPublish(broker.url, payloads));
      received += EVENTS;
      await subscriber.waitFor(received, 30_000);

      progress(`outbox, burst: ${EVENTS} events (run ${r + 1}/${RUNS})`);
      const outbox = new Outbox(DiskOutboxStore.open(path.join(work, `burst-${r}`)));
      const publisher = openPublisher(broker.url, outbox);
      await waitConnected(publisher);
      const burst = events(`burst-${r}`, EVENTS);
      const t = performance.now();
      await Promise.all(burst.map((e) => publisher.deliver(e)));
      await publisher.drained();
      burstRuns.push((performance.now() - t) / 1000);
      burstWrites = outbox.stats().writes;
      received += EVENTS;
      await subscriber.waitFor(received, 30_000);
      await publisher.close();
      await outbox.close();
    }
    const plainSeconds = percentile(plainRuns, 50);
    const burstSeconds = percentile(burstRuns, 50);

    progress(`outbox, one append at a time: ${SEQUENTIAL_APPENDS} events`);
    let outbox = new Outbox(DiskOutboxStore.open(path.join(work, 'sequential')));
    let publisher = openPublisher(broker.url, outbox);
    await waitConnected(publisher);
    const appendMs: number[] = [];
    let t = performance.now();
    for (const e of events('sequential', SEQUENTIAL_APPENDS)) {
      const a = performance.now();
      await publisher.deliver(e);
      appendMs.push(performance.now() - a);
    }
    await publisher.drained();
    const sequentialSeconds = (performance.now() - t) / 1000;
    const sequentialLatency = publisher.stats().latencyMs;
    await publisher.close();
    await outbox.close();

    progress(`backlog: ${EVENTS} events appended while the broker is down, then drained`);
    outbox = new Outbox(DiskOutboxStore.open(path.join(work, 'backlog')));
    publisher = openPublisher(broker.url, outbox);
    await waitConnected(publisher);
    await broker.stop();
    while (publisher.connected) await sleep(5);
    await Promise.all(events('backlog', EVENTS).map((e) => publisher.deliver(e)));
    const backlogBytes = outbox.stats().bytesOnDisk;
    t = performance.now();
    await broker.start();
    await waitConnected(publisher);
    const connectedAfter = (performance.now() - t) / 1000;
    await publisher.drained();
    const drainSeconds = (performance.now() - t) / 1000;
    const drainOnlySeconds = drainSeconds - connectedAfter;
    await subscriber.waitFor(received + SEQUENTIAL_APPENDS + EVENTS, 60_000);
    await sleep(50); // compaction runs on the tick after the acks
    const afterDrain = outbox.stats();
    await publisher.close();
    await outbox.close();

    const plainRate = EVENTS / plainSeconds;
    const burstRate = EVENTS / burstSeconds;
    printTable(
      `MQTT delivery, mosquitto on localhost, QoS 1, ${WINDOW} in flight, ${bytes}-byte events, fdatasync on ${os.tmpdir()} (median of ${RUNS} runs)`,
      [
        ['run', 'events', 'seconds', 'events/s', 'vs plain'],
        ['plain QoS 1 publish (no outbox)', EVENTS, plainSeconds, plainRate, 1],
        ['outbox + publisher, appended in one burst', EVENTS, burstSeconds, burstRate, burstRate / plainRate],
        [
          'outbox + publisher, each append awaited',
          SEQUENTIAL_APPENDS,
          sequentialSeconds,
          SEQUENTIAL_APPENDS / sequentialSeconds,
          SEQUENTIAL_APPENDS / sequentialSeconds / plainRate,
        ],
      ],
    );
    console.log(`burst: ${EVENTS} appends in ${burstWrites} write+fdatasync rounds (group commit)`);
    printTable('outbox append latency (append → on disk), one at a time', [
      ['', 'p50 ms', 'p99 ms', 'max ms'],
      ['append', percentile(appendMs, 50), percentile(appendMs, 99), Math.max(...appendMs)],
      ['append → PUBACK', sequentialLatency.p50, sequentialLatency.p99, sequentialLatency.max],
    ]);
    printTable(`backlog after an outage: ${EVENTS} events (${(backlogBytes / 1e6).toFixed(1)} MB on disk)`, [
      ['', 'seconds'],
      ['broker up → connected', connectedAfter],
      ['broker up → all acked', drainSeconds],
      ['connected → all acked', drainOnlySeconds],
      ['drain rate once connected, events/s', EVENTS / drainOnlySeconds],
      ['bytes on disk after drain', afterDrain.bytesOnDisk],
    ]);
    console.log(`subscriber received every event of every run (${subscriber.ids.size} distinct event ids)`);
  } finally {
    await subscriber.client.endAsync(true);
    await broker.dispose();
    fs.rmSync(work, { recursive: true, force: true });
  }
}
