import { topics } from '../../foundation/contract/topics.ts';
import type { EdgeConfig } from '../config/edge-config-schema.ts';
import { describeError } from '../errors.ts';
import { type AppliedCloudConfig, appliedConfigPath, readAppliedConfig } from './applied-config-file.ts';
import { desiredEdgeConfig } from './desired-edge-config.ts';
import { desiredConfigUrl } from './fleet-config-client.ts';
import { FleetSync } from './fleet-sync.ts';

interface Log {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
}

/**
 * What a box starts with. Without `fleet.managed`, its file. With it, the cloud configuration it
 * applied last (kept under dataDir) when there is one that still validates with the file; else the
 * file, until the cloud's first.
 */
export async function startingConfig(
  file: Readonly<EdgeConfig>,
  baseDir: string,
  log: Log,
): Promise<{ config: Readonly<EdgeConfig>; running?: AppliedCloudConfig }> {
  if (!file.fleet.managed) return { config: file };
  const stored = await readAppliedConfig(appliedConfigPath(file.dataDir), (message) =>
    log.warn({ component: 'fleet' }, message),
  );
  if (!stored) return { config: file };
  try {
    const config = desiredEdgeConfig(file, stored, baseDir);
    log.info({ component: 'fleet', version: stored.version }, 'runs the cloud configuration applied last');
    return { config, running: stored };
  } catch (error) {
    log.warn(
      { component: 'fleet', version: stored.version, reason: describeError(error) },
      'the cloud configuration applied last no longer fits the config file: the file runs',
    );
    return { config: file };
  }
}

export interface ManagedConfigOptions {
  file: Readonly<EdgeConfig>;
  baseDir: string;
  running?: AppliedCloudConfig | undefined;
  apply: (config: Readonly<EdgeConfig>) => Promise<object>;
  /** Reads the notice topic on the edge's MQTT session. */
  subscribe: (topic: string, onMessage: (payload: Buffer) => void) => void;
  onChange: () => void;
  log: Log;
}

/** A managed box's FleetSync, reading its notices; undefined for a box its file runs alone. */
export function manageConfig(options: ManagedConfigOptions): FleetSync | undefined {
  const { file } = options;
  const upload = file.evidence.upload;
  if (!file.fleet.managed || !upload?.token) return undefined;
  const sync = new FleetSync({
    edgeId: file.edgeId,
    file,
    baseDir: options.baseDir,
    url: desiredConfigUrl(upload.url, file.edgeId),
    token: upload.token,
    store: appliedConfigPath(file.dataDir),
    running: options.running,
    apply: options.apply,
    onChange: options.onChange,
    log: options.log,
  });
  options.subscribe(topics.fleetConfig(file.edgeId), (payload) => sync.onNotice(payload));
  return sync;
}
