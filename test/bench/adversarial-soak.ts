import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startMosquitto } from '../delivery/mosquitto.ts';
import { startThrowawayPostgres } from './soak/postgres-cluster.ts';
import { ProducerRecords } from './soak/producer-records.ts';
import { brokerQueueLines, IOT_RULES, ROOT, writeCloudConfig, writeEdgeConfig } from './soak/soak-configs.ts';
import { SoakProcess, sleep, until } from './soak/soak-process.ts';
import { readCloud, type SoakFigures, tally } from './soak/tally.ts';
import { startTelemetryDriver } from './soak/telemetry-driver.ts';
import { printTable } from './stats.ts';

/**
 * Issue 18's soak (`npm run bench -- soak`): real processes — a PostgreSQL cluster and a
 * Mosquitto of its own, the cloud (apps/cloud), an edge replaying vtest.mp4 (apps/edge), the IoT
 * rules node (apps/iot) fed by two trucks' telemetry, and a volume publisher on the real outbox —
 * through these faults in sequence: the broker stopped, kill -9 of the cloud, kill -9 of the edge
 * with an incident open, kill -9 of the rules node with an episode open, the database stopped.
 * Then it lets everything settle, stops the edge and the rules node cleanly (which ends what they
 * hold open), and counts, from the cloud's database and the producers' own records: produced /
 * stored / lost / duplicate tickets / stuck incidents (open in the cloud though no producer holds
 * them open). Every figure but produced and stored must be 0; the exit code says whether they were.
 *
 * SOAK_FAULT_SECONDS (15): how long the broker and the database stay away. SOAK_SETTLE_SECONDS
 * (60): the quiet time before counting (longer than a restarted node's grace for taking up its
 * open incidents). SOAK_RATE (20): volume events a second. The folder with every process's log
 * (and the database) is kept when a figure is not 0, or always with SOAK_KEEP=1.
 */
const FAULT_SECONDS = Number(process.env.SOAK_FAULT_SECONDS ?? 15);
const SETTLE_SECONDS = Number(process.env.SOAK_SETTLE_SECONDS ?? 60);
const RATE = Number(process.env.SOAK_RATE ?? 20);
const AFTER_FAULT_MS = 10_000;
const VOLUME_SCRIPT = fileURLToPath(new URL('./soak/volume-publisher.ts', import.meta.url));
const app = (name: string) => path.join(ROOT, 'apps', name, 'main.ts');

export async function benchAdversarialSoak(): Promise<SoakFigures> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'adversarial-soak-'));
  fs.chmodSync(work, 0o755);
  const t0 = Date.now();
  const say = (message: string) =>
    console.log(`soak ${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s: ${message}`);
  const cleanups: (() => Promise<unknown>)[] = [];
  let maxLoad = 0;
  let keep = process.env.SOAK_KEEP === '1';
  const loadTimer = setInterval(() => {
    maxLoad = Math.max(maxLoad, os.loadavg()[0] ?? 0);
  }, 2000);
  try {
    const database = await startThrowawayPostgres(work);
    cleanups.push(() => database.dispose());
    const queueLines = brokerQueueLines();
    const broker = await startMosquitto({ config: queueLines });
    cleanups.push(() => broker.dispose());
    say(
      `PostgreSQL ${database.url}, Mosquitto ${broker.url} (${queueLines.join(', ') || 'default queue limits'}); logs in ${work}`,
    );

    const log = (name: string) => path.join(work, `${name}.log`);
    const edgeRecords = new ProducerRecords('edge lingnan-hub');
    const rulesRecords = new ProducerRecords('rules node liwan-cloud');
    const volumeRecords = new ProducerRecords('volume soak-volume');
    const cloud = new SoakProcess(
      'cloud',
      app('cloud'),
      ['run', '--config', writeCloudConfig(work, database.url, broker.url)],
      log('cloud'),
    );
    const edge = new SoakProcess(
      'edge',
      app('edge'),
      ['run', '-c', writeEdgeConfig(work, broker.url), '--api-port', '0'],
      log('edge'),
      (line, generation) => edgeRecords.add(line, generation),
    );
    const rules = new SoakProcess(
      'rules node',
      app('iot'),
      [
        'run',
        '--rules',
        IOT_RULES,
        '--url',
        broker.url,
        '--publish',
        '--outbox',
        path.join(work, 'iot-outbox'),
        '--journal',
        path.join(work, 'iot-journal'),
      ],
      log('rules-node'),
      (line, generation) => rulesRecords.add(line, generation),
    );
    const volume = new SoakProcess(
      'volume publisher',
      VOLUME_SCRIPT,
      [path.join(work, 'volume-outbox'), broker.url, 'soak-volume', `soak-${t0}`, String(RATE)],
      log('volume'),
      (line, generation) => volumeRecords.add(line, generation),
    );
    for (const p of [volume, rules, edge, cloud]) cleanups.push(() => p.stop(5000));
    const started = {
      cloud: () => cloud.started(/"msg":"cloud running"/),
      edge: () => edge.started(/edge node started/),
      rules: () => rules.started(/iot: rules node \S+ on/),
    };

    cloud.start();
    await started.cloud();
    rules.start();
    await started.rules();
    const telemetry = startTelemetryDriver(broker.url);
    cleanups.push(() => telemetry.stop());
    edge.start();
    await started.edge();
    volume.start();
    await volume.started(/volume publisher \S+ started/);
    say('cloud, rules node, edge and volume publisher running; waiting for open incidents');
    const edgeOpen = () => edgeRecords.openIncidents(edge.generation).length > 0;
    const rulesOpen = () => rulesRecords.openIncidents(rules.generation).length > 0;
    await until(() => edgeOpen() && rulesOpen(), 'an open edge incident and an open rules episode', 120_000);

    say(`fault 1: broker stopped for ${FAULT_SECONDS} s`);
    await broker.stop();
    await sleep(FAULT_SECONDS * 1000);
    await broker.start();
    await sleep(AFTER_FAULT_MS);

    say('fault 2: kill -9 of the cloud, restarted');
    await cloud.kill9();
    cloud.start();
    await started.cloud();
    await sleep(AFTER_FAULT_MS);

    await until(edgeOpen, 'an open edge incident to kill the edge with', 90_000);
    say(`fault 3: kill -9 of the edge with ${edgeRecords.openIncidents(edge.generation).join(', ')} open`);
    await edge.kill9();
    edge.start();
    await started.edge();
    await sleep(AFTER_FAULT_MS);

    await until(rulesOpen, 'an open rules episode to kill the rules node with', 90_000);
    say(
      `fault 4: kill -9 of the rules node with ${rulesRecords.openIncidents(rules.generation).join(', ')} open`,
    );
    await rules.kill9();
    rules.start();
    await started.rules();
    await sleep(AFTER_FAULT_MS);

    say(`fault 5: database stopped for ${FAULT_SECONDS} s`);
    await database.stop();
    await sleep(FAULT_SECONDS * 1000);
    await database.start();

    say('volume publisher finishing its incident and draining');
    await volume.stop(90_000);
    say(`settling for ${SETTLE_SECONDS} s`);
    await sleep(SETTLE_SECONDS * 1000);
    // A clean stop ends what a node holds open (an incident it took up again after its restart
    // included): after it, whatever is still open in the cloud is stuck for good.
    say('stopping the edge and the rules node cleanly');
    await Promise.all([edge.stop(30_000), rules.stop(30_000)]);
    const producers = [
      { records: edgeRecords, liveGeneration: edge.generation },
      { records: rulesRecords, liveGeneration: rules.generation },
      { records: volumeRecords, liveGeneration: volume.generation },
    ];
    const wanted = producers.flatMap((p) => [...p.records.events.keys()]);
    await until(
      async () => {
        const { eventIds } = await readCloud(database.url);
        return wanted.every((id) => eventIds.has(id));
      },
      'every produced event to be stored',
      90_000,
    ).catch((error: Error) => say(`${error.message}; counting what there is`));
    const cloudRows = await readCloud(database.url);
    const figures = tally(producers, cloudRows);
    const rows: (string | number)[][] = [
      ['producer', 'produced', 'stored', 'lost', 'duplicate tickets', 'stuck incidents'],
      ...producers.map((p) => {
        const own = cloudRows.incidents.filter((i) => i.sources.some((s) => p.records.hasIncident(s)));
        const f = tally([p], { eventIds: cloudRows.eventIds, incidents: own });
        return [p.records.name, f.produced, f.stored, f.lost, f.duplicateTickets, f.stuckIncidents];
      }),
      [
        'all',
        figures.produced,
        figures.stored,
        figures.lost,
        figures.duplicateTickets,
        figures.stuckIncidents,
      ],
    ];
    const [one, five, fifteen] = os.loadavg().map((l) => l.toFixed(2));
    printTable(
      `Adversarial soak (issue 18): broker away ${FAULT_SECONDS} s, kill -9 of cloud, edge and rules node, database away ${FAULT_SECONDS} s; ${os.cpus().length} cores, load average ${one} / ${five} / ${fifteen} at the end, ${maxLoad.toFixed(2)} at most (1 min)`,
      rows.map((row) => row.map((cell) => (typeof cell === 'number' ? String(cell) : cell))),
    );
    for (const line of figures.details) console.log(`  ${line}`);
    const letters = Object.entries(cloudRows.deadLetters);
    console.log(
      `  dead letters in the cloud: ${letters.length === 0 ? 'none' : letters.map(([code, n]) => `${code} ${n}`).join(', ')}`,
    );
    const crashes = [cloud, edge, rules, volume].flatMap((p) => p.crashes);
    console.log(`  processes that died by themselves (restarted after 1 s): ${crashes.length || 'none'}`);
    for (const c of crashes) {
      const last = c.last.trim().split('\n').slice(-12).join('\n      ');
      console.log(`    ${c.name} (generation ${c.generation}, ${c.exit}):\n      ${last}`);
    }
    const bad = figures.lost + figures.duplicateTickets + figures.stuckIncidents + crashes.length;
    console.log(
      bad === 0
        ? 'soak: nothing lost, nothing duplicated, nothing stuck, nothing crashed'
        : 'soak: FAILED: every figure but produced and stored must be 0, and no process may die',
    );
    if (bad > 0) {
      process.exitCode = 1;
      keep = true;
    }
    say(`done (telemetry readings sent: ${telemetry.sent})`);
    return figures;
  } catch (error) {
    keep = true;
    throw error;
  } finally {
    clearInterval(loadTimer);
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
    if (keep) console.log(`soak: logs kept in ${work}`);
    else fs.rmSync(work, { recursive: true, force: true });
  }
}
