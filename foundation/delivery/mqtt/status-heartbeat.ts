import type {
  AppliedConfig,
  CameraHealth,
  EdgeStatus,
  StorageHealthStatus,
} from '../../contract/edge-status.ts';
import { CONTRACT_LIMITS, toContractText } from '../../contract/limits.ts';
import { topics } from '../../contract/topics.ts';
import type { Outbox } from '../outbox/outbox.ts';
import type { PublisherLogger, PublishLink } from './publish-link.ts';

/**
 * The edge's retained status, `edges/{edgeId}/status`: `online` on every connect and then every
 * `heartbeatSeconds` with per-camera health; the Last Will says `offline` when the connection is
 * lost, and a clean stop says `offline` itself (a clean DISCONNECT discards the Will).
 */

export interface StatusHeartbeatOptions {
  edgeId: string;
  clientId: string;
  outbox: Outbox;
  link: PublishLink;
  /** When the current connection came up (ms). */
  connectedSince: () => number;
  /** Per-camera health (e.g. `EdgeNode.status()`). */
  health?: (() => CameraHealth[]) | undefined;
  storage?: (() => StorageHealthStatus) | undefined;
  /** The configuration the edge runs (file or cloud version), and a cloud version it refused. */
  config?: (() => AppliedConfig | undefined) | undefined;
  /** The models the edge runs (active and shadow). */
  models?: (() => EdgeStatus['models']) | undefined;
  heartbeatSeconds: number;
  clock: () => number;
  logger: PublisherLogger;
}

/** The Last Will: what the broker publishes, retained, when the connection is lost. */
export function lastWill(edgeId: string, clientId: string): { topic: string; payload: string } {
  const will: EdgeStatus = { state: 'offline', edgeId, clientId, reason: 'connection lost' };
  return { topic: topics.status(edgeId), payload: JSON.stringify(will) };
}

export class StatusHeartbeat {
  readonly topic: string;
  private timer: NodeJS.Timeout | undefined;
  private inFlight = false;

  constructor(private readonly options: StatusHeartbeatOptions) {
    this.topic = topics.status(options.edgeId);
  }

  /** Publishes `online` now, even with an older heartbeat unacknowledged (the Will may have said offline), and then every period. */
  start(): void {
    this.publish(true);
    clearInterval(this.timer);
    this.timer = setInterval(() => this.publish(), this.options.heartbeatSeconds * 1000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Publishes `online` now, out of turn (what it reports changed), when connected. */
  refresh(): void {
    this.publish(true);
  }

  /** The status message of a clean stop. */
  stopped(): { topic: string; payload: string } {
    return { topic: this.topic, payload: JSON.stringify(this.status('offline', 'stopped')) };
  }

  private status(state: EdgeStatus['state'], reason?: EdgeStatus['reason']): EdgeStatus {
    const { edgeId, clientId, outbox, health, storage, config, models, clock } = this.options;
    // Also on a clean stop: the cloud keeps showing what the box ran while it is away.
    const applied = config?.();
    const { depth, dropped } = outbox.stats();
    return {
      state,
      edgeId,
      clientId,
      at: new Date(clock()).toISOString(),
      ...(state === 'online' ? { since: new Date(this.options.connectedSince()).toISOString() } : {}),
      ...(reason ? { reason } : {}),
      outbox: { depth, dropped },
      ...(state === 'online' && health ? { cameras: fitToContract(health()) } : {}),
      ...(state === 'online' && storage ? { storage: storage() } : {}),
      ...(applied ? { config: applied } : {}),
      ...(state === 'online' && models ? { models: models()?.slice(0, MAX_MODELS) } : {}),
    };
  }

  /** Retained `online` status; a heartbeat is skipped while the previous one is unacknowledged. */
  private publish(force = false): void {
    if (!this.options.link.connected || (this.inFlight && !force)) return;
    this.inFlight = true;
    let payload: string;
    try {
      payload = JSON.stringify(this.status('online'));
    } catch (error) {
      this.inFlight = false;
      this.options.logger.error({ reason: String(error) }, 'could not build the status');
      return;
    }
    this.options.link.publish(this.topic, payload, true, () => {
      this.inFlight = false;
    });
  }
}

/** An ffmpeg error may be long or carry control bytes: the status must still pass the contract. */
/** Models a status lists at most (the contract's bound). */
const MAX_MODELS = 64;

function fitToContract(cameras: CameraHealth[]): CameraHealth[] {
  return cameras.slice(0, CONTRACT_LIMITS.cameras).map((camera) => ({
    ...camera,
    lastError:
      camera.lastError === null ? null : toContractText(camera.lastError, CONTRACT_LIMITS.errorChars),
  }));
}
