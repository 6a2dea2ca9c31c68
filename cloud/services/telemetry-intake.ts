import type { DeviceEvent } from '../../foundation/contract/events.ts';
import { topics } from '../../foundation/contract/topics.ts';
import type { CloudCore } from './cloud-core.ts';
import type { Logger } from './logger.ts';
import type { TelemetryIntake, VehiclePositions } from './telemetry-port.ts';

export interface TelemetryIntakeOptions {
  logger?: Logger | undefined;
  /** Backoff while the database refuses a write (default 0.5 s doubling to 30 s). */
  retry?: { initialMs: number; maxMs: number };
  /** How often uncovered-muck-truck tickets are ranked again as positions arrive (default 2 s). */
  refreshSeconds?: number;
}

/**
 * The cloud's side of telemetry: device events take the path of events from the wire (stored once
 * by eventId, made incidents and tickets, routed by place); refused telemetry goes to the
 * dead-letter table; positions, once attached, make uncovered-muck-truck tickets list the trucks
 * near the camera. Writes go one at a time, in the order raised, and are retried while the
 * database refuses them, so a message is acknowledged only once what it caused is committed.
 */
export function openTelemetryIntake(core: CloudCore, options: TelemetryIntakeOptions = {}): TelemetryIntake {
  const log = options.logger;
  const { initialMs, maxMs } = options.retry ?? { initialMs: 500, maxMs: 30_000 };
  let stopping = false;
  let timer: NodeJS.Timeout | undefined;
  let refreshing: Promise<void> | undefined;
  let detach: (() => void) | undefined;
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
  const refresh = () => {
    if (refreshing) return;
    refreshing = core.vehicles
      .refresh(async (incidentId, found) => {
        const ticket = await core.store.transaction((repos) =>
          core.tickets.mergeVehicles(repos, incidentId, found, core.clock()),
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
  };

  return {
    deviceEvent: (event: DeviceEvent) =>
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
      ),
    deadLetter: (letter) =>
      persist(() => core.store.ingest.insertDeadLetter(letter, core.clock()), { deadLetter: true }),
    attachPositions(positions: VehiclePositions) {
      detach = core.vehicles.attach(positions);
      timer = setInterval(refresh, (options.refreshSeconds ?? 2) * 1000);
      timer.unref();
    },
    async close() {
      stopping = true;
      clearInterval(timer);
      await refreshing;
      detach?.();
    },
  };
}
