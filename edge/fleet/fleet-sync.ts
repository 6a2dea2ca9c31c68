import type { AppliedConfig } from '../../foundation/contract/edge-status.ts';
import { CONTRACT_LIMITS, toContractText } from '../../foundation/contract/limits.ts';
import { FLEET_SECTION_KEYS } from '../../foundation/edge-config/fleet-config-schema.ts';
import {
  configSha256,
  type FleetConfigNotice,
  FleetConfigNoticeSchema,
} from '../../foundation/edge-config/fleet-notice.ts';
import type { EdgeConfig } from '../config/edge-config-schema.ts';
import { describeError } from '../errors.ts';
import { type AppliedCloudConfig, writeAppliedConfig } from './applied-config-file.ts';
import { desiredEdgeConfig } from './desired-edge-config.ts';
import { fetchDesiredConfig } from './fleet-config-client.ts';

export interface FleetSyncOptions {
  edgeId: string;
  /** The box's config file as loaded: its own sections always apply. */
  file: Readonly<EdgeConfig>;
  /** Folder relative paths of a cloud configuration are taken from (the config file's). */
  baseDir: string;
  /** Where the desired configuration is pulled from (desiredConfigUrl), and the edge's token. */
  url: string;
  token: string;
  /** Where the applied configuration is kept (appliedConfigPath). */
  store: string;
  /** The cloud configuration running since the start, if one does (read from `store`). */
  running?: AppliedCloudConfig | undefined;
  /** Runs a configuration in place of the running one; throws when it cannot (nothing changed then). */
  apply: (config: Readonly<EdgeConfig>) => Promise<object>;
  /** What the status reports changed: publish it now. */
  onChange: () => void;
  log: { info(object: object, message: string): void; warn(object: object, message: string): void };
  /** A pull that failed for want of the cloud is tried again after this long. */
  retryMs?: number;
  clock?: () => number;
}

const DEFAULT_RETRY_MS = 30_000;

/** What a config file's managed sections hash to (the status's sha256 for `source: file`). */
export function fileConfigSha256(config: Readonly<EdgeConfig>): string {
  return configSha256(Object.fromEntries(FLEET_SECTION_KEYS.map((key) => [key, config[key]])));
}

/**
 * Keeps a managed box on its desired configuration: on each retained notice (topics.fleetConfig)
 * of a version it does not run, it pulls that version over HTTP, validates it merged into the
 * config file, applies it without a restart and keeps it under dataDir. A version that does not
 * validate or cannot be applied is refused, named in the status with its reason, and the running
 * configuration stays; a pull that fails (no cloud) is tried again later.
 */
export class FleetSync {
  private applied: AppliedConfig;
  private queue: Promise<void> = Promise.resolve();
  private latest: FleetConfigNotice | undefined;
  private retry: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly options: FleetSyncOptions) {
    const clock = options.clock ?? Date.now;
    const { running } = options;
    this.applied = running
      ? { source: 'cloud', version: running.version, sha256: running.sha256, appliedAt: running.appliedAt }
      : {
          source: 'file',
          version: null,
          sha256: fileConfigSha256(options.file),
          appliedAt: new Date(clock()).toISOString(),
        };
  }

  /** For the status: what runs, and the last version refused. */
  status(): AppliedConfig {
    return this.applied;
  }

  /** A notice's payload as the broker delivered it. */
  onNotice(payload: Buffer): void {
    let notice: FleetConfigNotice;
    try {
      notice = FleetConfigNoticeSchema.parse(JSON.parse(payload.toString('utf8')));
    } catch (error) {
      this.options.log.warn({ reason: describeError(error) }, 'configuration notice ignored: not a notice');
      return;
    }
    if (notice.edgeId !== this.options.edgeId) return;
    this.latest = notice;
    this.queue = this.queue.then(() => this.handle(notice));
  }

  /** Waits for the notice being handled; no further pulls. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    await this.queue;
  }

  private async handle(notice: FleetConfigNotice): Promise<void> {
    const { applied, options } = this;
    if (this.stopped || notice !== this.latest) return;
    if (applied.source === 'cloud' && applied.version === notice.version && applied.sha256 === notice.sha256)
      return;
    if (applied.refused?.version === notice.version) return;
    const clock = options.clock ?? Date.now;
    let desired: Awaited<ReturnType<typeof fetchDesiredConfig>>;
    try {
      desired = await fetchDesiredConfig(options.url, options.token, notice);
    } catch (error) {
      options.log.warn(
        { version: notice.version, reason: describeError(error) },
        'desired configuration not pulled: tried again later; the running one stays',
      );
      clearTimeout(this.retry);
      this.retry = setTimeout(() => {
        if (this.latest === notice) this.queue = this.queue.then(() => this.handle(notice));
      }, options.retryMs ?? DEFAULT_RETRY_MS);
      this.retry.unref();
      return;
    }
    try {
      const config = desiredEdgeConfig(options.file, desired, options.baseDir);
      const change = await options.apply(config);
      const appliedAt = new Date(clock()).toISOString();
      this.applied = { source: 'cloud', version: desired.version, sha256: desired.sha256, appliedAt };
      options.log.info({ version: desired.version, cameras: change }, 'cloud configuration applied');
      await writeAppliedConfig(options.store, { ...desired, appliedAt }).catch((error: unknown) =>
        options.log.warn(
          { reason: describeError(error) },
          'applied configuration not kept: the next start runs the one kept before',
        ),
      );
    } catch (error) {
      const reason = toContractText(describeError(error), CONTRACT_LIMITS.errorChars);
      this.applied = { ...applied, refused: { version: desired.version, error: reason } };
      options.log.warn(
        { version: desired.version, reason },
        'cloud configuration refused: the running one stays',
      );
    }
    options.onChange();
  }
}
