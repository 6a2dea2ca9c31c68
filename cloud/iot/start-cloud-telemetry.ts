import type { DeviceEvent } from '../../foundation/contract/events.ts';
import { topics } from '../../foundation/contract/topics.ts';
import { loadRulesConfig } from '../../iot/config/load-rules-config.ts';
import { TelemetryConsumer } from '../../iot/consumer/mqtt-telemetry-consumer.ts';
import { PositionStore } from '../../iot/correlate/position-store.ts';
import { IotError } from '../../iot/errors.ts';
import type { CloudCore } from '../app/cloud-core.ts';
import type { CloudConfig } from '../config/cloud-config-schema.ts';
import { CloudError } from '../errors.ts';
import type { ConsumerLogger } from '../ingest/mqtt-consumer.ts';
import { telemetryDeadLetters } from './telemetry-dead-letters.ts';
import { mergeTicketVehicles } from './ticket-vehicles.ts';

export interface CloudTelemetryOptions {
  config: Readonly<CloudConfig>;
  /** The broker the cloud consumes from (the embedded one's URL when it runs one). */
  mqttUrl: string;
  /** 5: shared subscription `$share/{group}/devices/+/telemetry`; 4 (aedes): a plain one. */
  protocolVersion: 4 | 5;
  core: CloudCore;
  logger?: ConsumerLogger | undefined;
  /** Backoff while the database refuses a write (default 0.5 s doubling to 30 s). */
  retry?: { initialMs: number; maxMs: number };
  /** How often uncovered-muck-truck tickets are ranked again as positions arrive (default 2 s). */
  refreshSeconds?: number;
}

export interface CloudTelemetry {
  /** The rules' consumer and the positions it keeps; absent when `iot` is not configured. */
  consumer: TelemetryConsumer | undefined;
  positions: PositionStore | undefined;
  stop(): Promise<void>;
}

/**
 * The cloud's telemetry side, when `config.iot` asks for it: the IoT rule engine over every
 * device's telemetry. Its device events take the path of events from the wire (stored once by
 * eventId, made incidents and tickets, routed by place); refused telemetry goes to the dead-letter
 * table; positions are kept so that uncovered-muck-truck tickets list the trucks near the camera.
 * A message is acknowledged once what it caused is committed; a database outage holds it (retried).
 */
export async function startCloudTelemetry(options: CloudTelemetryOptions): Promise<CloudTelemetry> {
  const { config, core } = options;
  const iot = config.iot;
  if (!iot) return { consumer: undefined, positions: undefined, stop: async () => {} };
  const log = options.logger;
  const rules = loadRules(iot.rules);
  const positions = new PositionStore({ retentionSeconds: Math.max(900, 4 * iot.maxOffsetSeconds) });
  let stopping = false;
  const { initialMs, maxMs } = options.retry ?? { initialMs: 500, maxMs: 30_000 };
  // One write at a time, in the order raised: an outage's retries must not commit an incident's
  // end before its start.
  let queue: Promise<unknown> = Promise.resolve();
  const persist = (write: () => Promise<unknown>, what: object): Promise<void> => {
    const next = queue.then(() => retried(write, what));
    queue = next.catch(() => {});
    return next;
  };
  const retried = async (write: () => Promise<unknown>, what: object): Promise<void> => {
    for (let attempt = 0; ; attempt++) {
      try {
        await write();
        return;
      } catch (error) {
        if (stopping) throw error;
        const delay = Math.min(maxMs, initialMs * 2 ** attempt);
        log?.error(
          { ...what, attempt, err: (error as Error).message, retryInMs: delay },
          'could not store; retrying',
        );
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  };
  const onEvent = (event: DeviceEvent) =>
    persist(
      async () => {
        const outcome = await core.processor.process(
          topics.deviceEvent(event.nodeId, event.type),
          Buffer.from(JSON.stringify(event)),
        );
        if (outcome.kind === 'dead_letter')
          log?.warn({ eventId: event.eventId, code: outcome.code }, 'device event refused; dead-lettered');
      },
      { eventId: event.eventId },
    );

  const group = iot.group ?? config.mqtt.group;
  const consumer = await TelemetryConsumer.start({
    url: options.mqttUrl,
    clientId: `${config.mqtt.clientId}-telemetry`,
    protocolVersion: options.protocolVersion,
    username: config.mqtt.username,
    password: config.mqtt.password,
    subscriptions: [options.protocolVersion === 5 ? topics.sharedTelemetry(group) : topics.allTelemetry],
    rules,
    onEvent,
    deadLetters: telemetryDeadLetters(core.db, core.clock, (write) => persist(write, { deadLetter: true })),
    positions,
    tickSeconds: 1,
    onError: (error) => log?.warn({ err: (error as Error).message }, 'telemetry consumer'),
  }).catch((error: Error) => {
    throw new CloudError(
      'BROKER_UNREACHABLE',
      `${options.mqttUrl}: ${error.message}`,
      { url: options.mqttUrl },
      { cause: error },
    );
  });
  const detach = core.vehicles.attach(positions, {
    radiusMeters: iot.radiusMeters,
    maxOffsetSeconds: iot.maxOffsetSeconds,
  });
  let refreshing: Promise<void> | undefined;
  const timer = setInterval(
    () => {
      if (refreshing) return;
      refreshing = core.vehicles
        .refresh(async (incidentId, found) => {
          const ticket = await core.db.transaction((tx) =>
            mergeTicketVehicles(tx, incidentId, found, core.clock()),
          );
          if (ticket) core.live.publish({ kind: 'ticket.updated', ticket });
        })
        .then(
          () => {},
          (error) => log?.warn({ err: (error as Error).message }, 'truck candidates not refreshed'),
        )
        .finally(() => {
          refreshing = undefined;
        });
    },
    (options.refreshSeconds ?? 2) * 1000,
  );
  timer.unref();
  log?.info(
    { nodeId: rules.nodeId, rules: rules.rules.length, group },
    'cloud IoT rules consuming telemetry',
  );
  return {
    consumer,
    positions,
    async stop() {
      stopping = true;
      clearInterval(timer);
      await refreshing;
      detach();
      // Open incidents stay open: the devices have not left their areas because the cloud stopped.
      await consumer.close();
    },
  };
}

/** The rules file named by `iot.rules`, its problems reported as the cloud config's. */
function loadRules(file: string) {
  try {
    return loadRulesConfig(file);
  } catch (error) {
    if (!(error instanceof IotError)) throw error;
    const code = error.code === 'RULES_CONFIG_NOT_FOUND' ? 'CONFIG_NOT_FOUND' : 'CONFIG_INVALID';
    throw new CloudError(code, `iot.rules: ${error.message}`, { file }, { cause: error });
  }
}
