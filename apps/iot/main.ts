import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { connect, type MqttClient } from 'mqtt';
import { type DeviceEvent, EVENT_SCHEMA_VERSION, parseEvent } from '../../foundation/contract/events.ts';
import { topics } from '../../foundation/contract/topics.ts';
import { MqttPublisher } from '../../foundation/delivery/mqtt/mqtt-publisher.ts';
import type { PublisherLogger } from '../../foundation/delivery/mqtt/publish-link.ts';
import { DiskOutboxStore } from '../../foundation/delivery/outbox/disk-outbox-store.ts';
import { Outbox } from '../../foundation/delivery/outbox/outbox.ts';
import { isDiskFull } from '../../foundation/util/disk-full.ts';
import { loadRulesConfig, parseRulesConfig } from '../../iot/config/load-rules-config.ts';
import { TelemetryConsumer } from '../../iot/consumer/mqtt-telemetry-consumer.ts';
import type { DeadLetterSink } from '../../iot/consumer/telemetry-intake.ts';
import { PositionStore } from '../../iot/correlate/position-store.ts';
import { rankCandidateVehicles, withCandidates } from '../../iot/correlate/rank-candidates.ts';
import { IotError } from '../../iot/errors.ts';
import { demoTelemetry } from '../../iot/simulator/demo-scenario.ts';
import { publishTelemetry } from '../../iot/simulator/publish-telemetry.ts';

const logLine = (level: string) => (object: object, message: string) =>
  process.stderr.write(`iot: ${level} ${message} ${JSON.stringify(object)}\n`);
const stderrLogger: PublisherLogger = {
  info: logLine('info'),
  warn: logLine('warn'),
  error: logLine('error'),
};

const FIXTURE_RULES = path.resolve(import.meta.dirname, '../../fixtures/iot/panyu-rules.yaml');

const speedOption = (value: string): number | 'max' => {
  if (value === 'max') return 'max';
  const speed = Number(value);
  if (!(speed > 0)) throw new InvalidArgumentError('a positive number (times real time) or "max"');
  return speed;
};

const open = (url: string, clientId: string) =>
  new Promise<MqttClient>((resolve, reject) => {
    const client = connect(url, { protocolVersion: 5, clientId, reconnectPeriod: 0, connectTimeout: 5000 });
    client.once('connect', () => resolve(client));
    client.once('error', reject);
  });

const stderrDeadLetters: DeadLetterSink = {
  deadLetter: (d) => {
    process.stderr.write(`dead letter ${d.code} on ${d.topic}: ${d.reason.split('\n').join(' ')}\n`);
  },
};

const printEvent = (e: DeviceEvent) => process.stdout.write(`${JSON.stringify(e)}\n`);

/**
 * A full disk never costs a device event: an append the outbox refuses for want of space is tried
 * again (0.25 s doubling to 5 s) until it is taken, holding the telemetry back meanwhile. Once
 * `stopping()`, a refused append fails as any other error (the node is going down).
 */
function untilStored(
  append: (e: DeviceEvent) => Promise<unknown>,
  stopping: () => boolean,
): (e: DeviceEvent) => Promise<void> {
  return async (e) => {
    for (let wait = 250; ; wait = Math.min(2 * wait, 5000)) {
      try {
        await append(e);
        return;
      } catch (error) {
        if (!isDiskFull(error) || stopping()) throw error;
        process.stderr.write(
          `iot: disk full, ${e.eventId} waits for the outbox: ${(error as Error).message}\n`,
        );
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  };
}

const program = new Command('iot')
  .description(
    'IoT stream analytics: rules over vehicle and sensor telemetry, on an edge hub or in the cloud',
  )
  .showHelpAfterError();

program
  .command('run')
  .description(
    'a rules node: telemetry from MQTT through the rules; events as JSON lines (and to MQTT with --publish)',
  )
  .requiredOption('--rules <file>', 'rules config (YAML)')
  .option('--url <url>', 'MQTT broker', 'mqtt://127.0.0.1:1883')
  .option(
    '--group <name>',
    'share the devices with other instances of this group (MQTT 5 shared subscription)',
  )
  .option(
    '--publish',
    'also publish events to edges/{nodeId}/events/{type} through a durable outbox (kept until the broker acknowledges)',
  )
  .option('--outbox <dir>', 'the outbox folder for --publish', 'data/iot-outbox')
  .option(
    '--journal <dir>',
    'where open incidents are journaled (per node), to be carried on or ended after a crash',
    'data/iot-journal',
  )
  .action(
    async (options: {
      rules: string;
      url: string;
      group?: string;
      publish?: boolean;
      outbox: string;
      journal: string;
    }) => {
      const rules = loadRulesConfig(options.rules);
      const outbox = options.publish
        ? new Outbox(DiskOutboxStore.open(path.resolve(options.outbox, rules.nodeId)))
        : undefined;
      const publisher = outbox
        ? new MqttPublisher({
            edgeId: rules.nodeId,
            mqtt: { url: options.url, clientId: `iot-${rules.nodeId}` },
            connect,
            outbox,
            logger: stderrLogger,
          })
        : undefined;
      let stopping = false;
      const publish = publisher && untilStored(publisher.deliver, () => stopping);
      const consumer = await TelemetryConsumer.start({
        url: options.url,
        subscriptions: [options.group ? topics.sharedTelemetry(options.group) : topics.allTelemetry],
        rules,
        onEvent: async (e) => {
          // Printed once the outbox holds it: what is printed is what will reach the broker.
          await publish?.(e);
          printEvent(e);
        },
        deadLetters: stderrDeadLetters,
        onError: (error) => process.stderr.write(`iot: ${(error as Error).message}\n`),
        journalDir: path.resolve(options.journal, rules.nodeId),
      });
      process.stderr.write(
        `iot: rules node ${rules.nodeId} on ${options.url}, ${rules.rules.length} rules\n`,
      );
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      stopping = true;
      await consumer.close(Date.now());
      await publisher?.close();
      await outbox?.close();
    },
  );

program
  .command('demo')
  .description(
    'an hour of simulated Panyu telemetry through MQTT and the fixture rules, at --speed; events as JSON lines, then a camera muck-truck event with its candidate trucks',
  )
  .option('--url <url>', 'MQTT broker', 'mqtt://127.0.0.1:1883')
  .option('--speed <n|max>', 'times real time, or max', speedOption, 120)
  .option('--seed <n>', 'simulator seed', (v) => Number.parseInt(v, 10), 1)
  .action(async (options: { url: string; speed: number | 'max'; seed: number }) => {
    const run = `${process.pid}`;
    const rules = parseRulesConfig({ ...loadRulesConfig(FIXTURE_RULES), nodeId: `iot-demo-${run}` });
    // Timestamps in the past: the readings are a recorded hour replayed, never "from the future".
    const startMs = Date.now() - 3600_000 - 60_000;
    const readings = demoTelemetry(startMs, options.seed);
    const devices = [...new Set(readings.map((r) => r.deviceId))];
    const positions = new PositionStore({ retentionSeconds: 7200 });
    const counts = new Map<string, number>();
    const consumer = await TelemetryConsumer.start({
      url: options.url,
      clientId: `iot-demo-consumer-${run}`,
      // The scenario's devices only: the broker may be shared.
      subscriptions: devices.map((d) => topics.telemetry(d)),
      rules,
      onEvent: (e) => {
        counts.set(`${e.type} ${e.phase}`, (counts.get(`${e.type} ${e.phase}`) ?? 0) + 1);
        printEvent(e);
      },
      deadLetters: stderrDeadLetters,
      positions,
      tickSeconds: 0,
    });
    const client = await open(options.url, `iot-demo-sim-${run}`);
    process.stderr.write(
      `iot demo: ${readings.length} readings from ${devices.length} devices at speed ${options.speed}\n`,
    );
    await publishTelemetry(client, readings, { speed: options.speed });
    await client.publishAsync(topics.telemetry('truck-a'), '{"type":"position","lat":', { qos: 1 });
    const lastMs = Date.parse(readings.at(-1)?.time ?? '');
    while (consumer.engine.stats().received < readings.length) await new Promise((r) => setTimeout(r, 50));
    await consumer.close(lastMs);
    await client.endAsync();

    // A camera at the school gate saw an uncovered load as truck-b passed: who was it?
    const camera = { lat: 22.937, lon: 113.368 };
    const passing = readings.filter(
      (r) => r.deviceId === 'truck-b' && r.type === 'position' && r.lon >= camera.lon,
    )[0];
    const seen = parseEvent({
      schemaVersion: EVENT_SCHEMA_VERSION,
      eventId: `hub-17:school-gate:muck:${passing ? Date.parse(passing.time) : 0}:0`,
      incidentId: `hub-17:school-gate:muck:${passing ? Date.parse(passing.time) : 0}`,
      sequence: 0,
      type: 'muck_truck_uncovered',
      phase: 'start',
      edgeId: 'hub-17',
      cameraId: 'school-gate',
      scenario: 'muck',
      startedAt: passing?.time,
      observedAt: passing?.time,
      confidence: 0.8,
      objectCount: 1,
      objects: [
        { trackId: 1, label: 'truck', score: 0.8, box: [0.3, 0.3, 0.7, 0.8], attributes: { uncovered: 0.8 } },
      ],
      model: { name: 'muck-cover-cls', version: '1.0.0', sha256: '0'.repeat(64) },
      frame: { width: 768, height: 576 },
    });
    if (!seen.ok) throw new Error(seen.error);
    const candidates = rankCandidateVehicles(seen.event, camera, positions, {
      radiusMeters: 300,
      maxOffsetSeconds: 60,
    });
    process.stdout.write(`${JSON.stringify(withCandidates(seen.event, candidates))}\n`);
    process.stderr.write('\niot demo: events by type and phase\n');
    for (const [key, n] of [...counts].sort()) process.stderr.write(`  ${key.padEnd(32)} ${n}\n`);
    process.stderr.write(
      `iot demo: camera event at school-gate → candidates ${candidates.map((c) => `${c.plate} (${c.distanceMeters} m, ${c.offsetSeconds} s, cover ${c.cover})`).join('; ') || 'none'}\n`,
    );
  });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  console.error(
    `iot: ${error instanceof IotError ? `${error.code}: ${error.message}` : (error as Error).message}`,
  );
  process.exitCode = 1;
}
