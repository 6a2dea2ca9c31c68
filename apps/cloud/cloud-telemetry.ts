import path from 'node:path';
import type { CloudConfig } from '../../cloud/config/cloud-config-schema.ts';
import { CloudError, type TelemetryDeadLetterCode } from '../../cloud/errors.ts';
import type { CloudCore } from '../../cloud/services/cloud-core.ts';
import type { Logger } from '../../cloud/services/logger.ts';
import { openTelemetryIntake } from '../../cloud/services/telemetry-intake.ts';
import type { TelemetrySide, VehiclePositions } from '../../cloud/services/telemetry-port.ts';
import { topics } from '../../foundation/contract/topics.ts';
import { loadRulesConfig } from '../../iot/config/load-rules-config.ts';
import { TelemetryConsumer } from '../../iot/consumer/mqtt-telemetry-consumer.ts';
import type { DeadLetter } from '../../iot/consumer/telemetry-intake.ts';
import { PositionStore } from '../../iot/correlate/position-store.ts';
import { type CandidateOptions, rankCandidateVehicles } from '../../iot/correlate/rank-candidates.ts';
import { IotError, type IotErrorCode } from '../../iot/errors.ts';

export interface CloudTelemetryOptions {
  config: Readonly<CloudConfig>;
  /** The broker the cloud consumes from (the embedded one's URL when it runs one). */
  mqttUrl: string;
  /** 5 with a group: shared subscription `$share/{group}/devices/+/telemetry`; else a plain one. */
  protocolVersion: 4 | 5;
  core: CloudCore;
  logger?: Logger | undefined;
  /** Backoff while the database refuses a write (default 0.5 s doubling to 30 s). */
  retry?: { initialMs: number; maxMs: number };
  /** How often uncovered-muck-truck tickets are ranked again as positions arrive (default 2 s). */
  refreshSeconds?: number;
}

export interface CloudTelemetry extends TelemetrySide {
  /** The rules' consumer and the positions it keeps; absent when `iot` is not configured. */
  consumer: TelemetryConsumer | undefined;
  positions: PositionStore | undefined;
}

/**
 * The cloud's telemetry side, when `config.iot` asks for it: the IoT rule engine over every
 * device's telemetry, feeding the cloud's telemetry intake (device events, dead letters, and the
 * positions that list the trucks near a camera on uncovered-muck-truck tickets).
 */
export async function startCloudTelemetry(options: CloudTelemetryOptions): Promise<CloudTelemetry> {
  const { config, core } = options;
  const iot = config.iot;
  if (!iot) return { consumer: undefined, positions: undefined, stop: async () => {} };
  const log = options.logger;
  const rules = loadRules(iot.rules);
  const positions = new PositionStore({ retentionSeconds: Math.max(900, 4 * iot.maxOffsetSeconds) });
  const intake = openTelemetryIntake(core, {
    logger: log,
    ...(options.retry ? { retry: options.retry } : {}),
    ...(options.refreshSeconds !== undefined ? { refreshSeconds: options.refreshSeconds } : {}),
  });
  const group = iot.group ?? config.mqtt.group;
  const consumer = await TelemetryConsumer.start({
    url: options.mqttUrl,
    clientId: `${config.mqtt.clientId}-telemetry`,
    protocolVersion: options.protocolVersion,
    username: config.mqtt.username,
    password: config.mqtt.password,
    subscriptions: [
      options.protocolVersion === 5 && group !== undefined
        ? topics.sharedTelemetry(group)
        : topics.allTelemetry,
    ],
    rules,
    onEvent: (event) => intake.deviceEvent(event),
    deadLetters: {
      deadLetter: (entry: DeadLetter) =>
        intake.deadLetter({
          code: telemetryCode(entry.code),
          reason: entry.reason,
          topic: entry.topic,
          payload: entry.bytes,
        }),
    },
    positions,
    tickSeconds: 1,
    // One journal per instance: replicas of a group each hold their own devices' incidents.
    ...(iot.journalDir ? { journalDir: path.join(iot.journalDir, config.mqtt.clientId) } : {}),
    onError: (error) => log?.warn({ err: (error as Error).message }, 'telemetry consumer'),
  }).catch((error: Error) => {
    throw new CloudError(
      'BROKER_UNREACHABLE',
      `${options.mqttUrl}: ${error.message}`,
      { url: options.mqttUrl },
      { cause: error },
    );
  });
  intake.attachPositions(
    vehiclePositions(positions, { radiusMeters: iot.radiusMeters, maxOffsetSeconds: iot.maxOffsetSeconds }),
  );
  log?.info(
    { nodeId: rules.nodeId, rules: rules.rules.length, group },
    'cloud IoT rules consuming telemetry',
  );
  return {
    consumer,
    positions,
    async stop() {
      await intake.close();
      // Open incidents stay open: the devices have not left their areas because the cloud stopped.
      await consumer.close();
    },
  };
}

/** The position store as the cloud's port: ranked candidates around a camera's observation. */
function vehiclePositions(store: PositionStore, options: CandidateOptions): VehiclePositions {
  return {
    rank: (event, camera) => rankCandidateVehicles(event, camera, store, options),
    get newestTimeMs() {
      return store.newestTimeMs;
    },
    maxOffsetSeconds: options.maxOffsetSeconds,
  };
}

/** The intake refuses with TELEMETRY_ codes only; this stops compiling when iot adds one the cloud's catalogue lacks. */
function telemetryCode(code: IotErrorCode): TelemetryDeadLetterCode {
  return code as Extract<IotErrorCode, `TELEMETRY_${string}`> satisfies TelemetryDeadLetterCode;
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
