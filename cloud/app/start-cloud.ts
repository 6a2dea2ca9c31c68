import type { AddressInfo } from 'node:net';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import pino from 'pino';
import type { CloudConfig } from '../config/cloud-config-schema.ts';
import type { Database } from '../db/database.ts';
import { openDatabase } from '../db/open-database.ts';
import { CloudError } from '../errors.ts';
import { openEvidenceStore } from '../evidence/open-evidence-store.ts';
import { FleetNoticePublisher } from '../fleet/fleet-notice-publisher.ts';
import { createCloudServer } from '../http/create-server.ts';
import { TokenAuth } from '../http/token-auth.ts';
import { BrokerDropWatcher } from '../mqtt/broker-drop-watcher.ts';
import { type EmbeddedBroker, startEmbeddedBroker } from '../mqtt/embedded-broker.ts';
import { MqttConsumer } from '../mqtt/mqtt-consumer.ts';
import { JetStreamConsumer } from '../nats/jetstream-consumer.ts';
import { loadPlaces } from '../places/load-places.ts';
import { openCloudStore } from '../repositories/cloud-store.ts';
import { type CloudCore, createCloudCore } from '../services/cloud-core.ts';
import type { Logger } from '../services/logger.ts';
import type { TelemetrySide } from '../services/telemetry-port.ts';

export interface TelemetryContext {
  /** The broker the cloud consumes from (the embedded one's URL when it runs one). */
  mqttUrl: string;
  protocolVersion: 4 | 5;
  core: CloudCore;
  logger?: Logger | undefined;
}

export type StartTelemetry = (context: TelemetryContext) => Promise<TelemetrySide>;

export interface StartCloudOptions {
  /** Default: pino to stderr at info; `false` for silence. */
  logger?: FastifyBaseLogger | false;
  clock?: () => Date;
  /** Serve the operator web UI (default true). */
  ui?: boolean;
  /** Each edge's local API URL for the UI's live view; may be filled after the start. */
  edgeApiUrls?: ReadonlyMap<string, string>;
  /** Starts the telemetry side once ingest is ready (apps/cloud/ wires the IoT rules in here). */
  telemetry?: StartTelemetry;
}

export interface RunningCloud {
  /** The HTTP API's base URL (OpenAPI at `${url}/docs`). */
  url: string;
  /** The broker the cloud consumes from (the embedded one's URL when it runs one). */
  mqttUrl: string;
  core: CloudCore;
  /** The database itself, for tools and tests that look past the services. */
  db: Database;
  app: FastifyInstance;
  /** Runs the overdue and maintenance sweeps now (they also run every `tickets.sweepSeconds`). */
  sweep(): Promise<number>;
  /**
   * Messages the external broker says it dropped since it started (Mosquitto's $SYS counter;
   * each growth is also logged as an error); undefined with a broker that does not tell.
   */
  brokerDroppedMessages(): number | undefined;
  stop(): Promise<void>;
}

/**
 * The whole cloud in this process: database (migrated), places, embedded broker when no
 * `mqtt.url` is configured, MQTT ingest, the HTTP API and the periodic overdue sweep.
 */
export async function startCloud(
  config: Readonly<CloudConfig>,
  options: StartCloudOptions = {},
): Promise<RunningCloud> {
  const log: FastifyBaseLogger | undefined =
    options.logger === false ? undefined : (options.logger ?? pino({ level: 'info' }, pino.destination(2)));
  const clock = options.clock ?? (() => new Date());
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const fn of stops.splice(0).reverse())
      await fn().catch((error) => log?.warn({ err: error }, 'stop step failed'));
  };
  try {
    const places = await loadPlaces(config.places.grids, config.places.cameras);
    const db = await openDatabase(config.database);
    stops.push(() => db.close());
    const core = createCloudCore(openCloudStore(db), config, places, clock);
    await core.placeEdits.applyStoredEdits();
    await core.permits.loadConfiguredFile(config.permits.file, clock(), log);

    let broker: EmbeddedBroker | undefined;
    if (!config.mqtt.url) {
      broker = await startEmbeddedBroker(config.mqtt.embeddedPort);
      stops.push(() => (broker as EmbeddedBroker).close());
      log?.info({ url: broker.url }, 'embedded MQTT broker (aedes, MQTT 3.1.1) listening');
    }
    const mqttUrl = config.mqtt.url ?? (broker as EmbeddedBroker).url;
    // The embedded broker and NATS's MQTT gateway speak MQTT 3.1.1 only.
    const protocolVersion = config.mqtt.protocolVersion ?? (broker || config.nats ? 4 : 5);

    const opened = await openEvidenceStore(config.evidence);
    stops.push(() => opened.close());
    const evidence = opened.store;
    const auth = new TokenAuth(config.auth);
    // An external broker's queue limits can drop what the edges handed over: its counter is watched
    // (below) and shown on /health.
    let dropWatcher: BrokerDropWatcher | undefined;
    const brokerDroppedMessages = () => dropWatcher?.droppedMessages;
    let natsConsumer: JetStreamConsumer | undefined;
    const consumerLag = async () => natsConsumer?.lag();
    const app = await createCloudServer({
      core,
      auth,
      evidence,
      brokerDroppedMessages,
      consumerLag,
      ...(log ? { logger: log } : {}),
      ...(options.ui === false ? {} : { ui: { edgeApiUrls: options.edgeApiUrls } }),
    });
    await app.listen({ host: config.api.host, port: config.api.port });
    stops.push(() => app.close());
    const address = app.server.address() as AddressInfo;
    const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;

    const handle = (batch: Parameters<typeof core.processor.processBatch>[0]) =>
      core.processor.processBatch(batch);
    const batch = { maxMessages: config.ingest.batchMaxMessages, maxMs: config.ingest.batchMaxMs };
    natsConsumer = config.nats
      ? new JetStreamConsumer({ ...config.nats, name: config.mqtt.clientId, handle, batch, logger: log })
      : undefined;
    const consumer =
      natsConsumer ??
      new MqttConsumer({
        url: mqttUrl,
        clientId: config.mqtt.clientId,
        protocolVersion,
        group: config.mqtt.group,
        username: config.mqtt.username,
        password: config.mqtt.password,
        sessionExpirySeconds: config.mqtt.sessionExpirySeconds,
        handle,
        batch,
        ...(log ? { logger: log } : {}),
      });
    const ingestFrom = config.nats ? config.nats.servers.join(',') : mqttUrl;
    stops.push(() => consumer.close());
    const notices = new FleetNoticePublisher({
      url: mqttUrl,
      clientId: `${config.mqtt.clientId}-fleet`,
      protocolVersion,
      username: config.mqtt.username,
      password: config.mqtt.password,
      current: () => core.fleet.notices(),
      logger: log,
    });
    core.fleet.attach(notices);
    stops.push(() => notices.close());
    // NATS has no $SYS drop counter; what it stored is acknowledged to the edge (cloud/nats/).
    dropWatcher =
      broker || config.nats
        ? undefined
        : new BrokerDropWatcher({
            url: mqttUrl,
            clientId: `${config.mqtt.clientId}-broker`,
            protocolVersion: config.mqtt.protocolVersion ?? 5,
            username: config.mqtt.username,
            password: config.mqtt.password,
            logger: log,
          });
    const watcher = dropWatcher;
    if (watcher) stops.push(() => watcher.close());

    const sweep = async () => {
      const escalations = await core.tickets.sweep(clock());
      for (const escalation of escalations) core.live.publish({ kind: 'escalation', escalation });
      const maintenance = await core.maintenance.sweep(clock());
      for (const ticket of maintenance.created) core.live.publish({ kind: 'ticket.created', ticket });
      for (const ticket of maintenance.closed) core.live.publish({ kind: 'ticket.updated', ticket });
      if (escalations.length > 0)
        log?.warn({ count: escalations.length }, 'overdue steps escalated to supervisors');
      return escalations.length;
    };
    const timer = setInterval(() => {
      sweep().catch((error) => log?.error({ err: error }, 'overdue sweep failed'));
    }, config.tickets.sweepSeconds * 1000);
    timer.unref();
    stops.push(async () => clearInterval(timer));

    await consumer.ready.catch((error: Error) => {
      throw new CloudError(
        'BROKER_UNREACHABLE',
        `${ingestFrom}: ${error.message}`,
        { url: ingestFrom },
        { cause: error },
      );
    });
    if (options.telemetry) {
      const telemetry = await options.telemetry({
        mqttUrl,
        protocolVersion,
        core,
        logger: log,
      });
      stops.push(() => telemetry.stop());
    }
    log?.info(
      { url, docs: `${url}/docs`, mqtt: mqttUrl, database: db.kind, evidence: opened.kind },
      'cloud running',
    );
    return { url, mqttUrl, core, db, app, sweep, brokerDroppedMessages, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
