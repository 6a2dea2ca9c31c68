import { type IncidentMessage, isDeviceEvent } from '../../foundation/contract/events.ts';
import type { DeadLetterCode } from '../errors.ts';
import { classifyMessage } from '../ingest/classify-message.ts';
import type { CloudStore, Repositories } from '../repositories/cloud-store.ts';
import type { Ticket } from '../tickets/ticket-schema.ts';
import type { IncidentService } from './incident-service.ts';
import type { LiveFeed, LiveMessage } from './live-feed.ts';
import type { TicketService } from './ticket-service.ts';
import type { VehicleCorrelator } from './vehicle-correlator.ts';

export type ProcessOutcome =
  | { kind: 'event'; stored: boolean; incidentId: number | undefined }
  | { kind: 'status'; edgeId: string }
  | { kind: 'dead_letter'; code: DeadLetterCode };

export interface ProcessorCounters {
  events: number;
  duplicates: number;
  statuses: number;
  deadLetters: number;
}

/**
 * One broker message, start to commit: classify it; store an event once by eventId and fold it
 * into its incident and ticket, all in one transaction; record a status; dead-letter anything
 * invalid. Resolves only once what it did is committed, so the caller may acknowledge then. A
 * rejection means nothing was committed (the database failed): do not acknowledge.
 */
export class MessageProcessor {
  readonly counters: ProcessorCounters = { events: 0, duplicates: 0, statuses: 0, deadLetters: 0 };

  constructor(
    private readonly store: CloudStore,
    private readonly incidents: IncidentService,
    private readonly tickets: TicketService,
    private readonly live: LiveFeed,
    private readonly clock: () => Date = () => new Date(),
    /** Lists the trucks near the camera on uncovered-muck-truck tickets. */
    private readonly vehicles?: VehicleCorrelator,
  ) {}

  async process(topic: string, payload: Uint8Array): Promise<ProcessOutcome> {
    const message = classifyMessage(topic, payload);
    const at = this.clock();
    if (message.kind === 'invalid') {
      return this.deadLetter(message.code, message.reason, topic, payload, at);
    }
    if (message.kind === 'status') {
      await this.store.ingest.upsertEdgeStatus(message.edgeId, message.status, at);
      this.counters.statuses++;
      this.live.publish({ kind: 'edge.status', edgeId: message.edgeId, state: message.status.state });
      return { kind: 'status', edgeId: message.edgeId };
    }
    const { event } = message;
    const notices: LiveMessage[] = [];
    let outcome: Extract<ProcessOutcome, { kind: 'event' }>;
    try {
      outcome = await this.storeEvent(event, topic, at, notices);
    } catch (error) {
      // Retrying cannot help data the database refuses; anything else (connection lost) is retried.
      if (!isDataException(error)) throw error;
      return this.deadLetter('EVENT_UNSTORABLE', (error as Error).message, topic, payload, at);
    }
    if (outcome.stored) this.counters.events++;
    else this.counters.duplicates++;
    for (const notice of notices) this.live.publish(notice);
    return outcome;
  }

  private storeEvent(event: IncidentMessage, topic: string, at: Date, notices: LiveMessage[]) {
    return this.store.transaction(async (repos) => {
      const stored = await repos.ingest.insertEvent(event, topic, at);
      if (!stored) return { kind: 'event' as const, stored: false, incidentId: undefined };
      const applied = await this.incidents.apply(repos, event, at);
      await repos.ingest.linkEvent(event.eventId, applied.incidentId);
      notices.push({ kind: 'incident.updated', incidentId: applied.incidentId });
      const ticket = (await this.attachVehicles(repos, event, applied.incidentId, at)) ?? applied.ticket;
      if (ticket) notices.push({ kind: applied.opened ? 'ticket.created' : 'ticket.updated', ticket });
      return { kind: 'event' as const, stored: true, incidentId: applied.incidentId };
    });
  }

  /** The incident's ticket with the trucks this observation found merged into its list. */
  private async attachVehicles(
    repos: Repositories,
    event: IncidentMessage,
    incidentId: number,
    at: Date,
  ): Promise<Ticket | undefined> {
    if (!this.vehicles || isDeviceEvent(event)) return undefined;
    const found = this.vehicles.candidatesFor(event);
    if (!found) return undefined;
    // Positions of the minute after the observation are still on their way: look again later.
    this.vehicles.watch(incidentId, event);
    return this.tickets.mergeVehicles(repos, incidentId, found, at);
  }

  private async deadLetter(
    code: DeadLetterCode,
    reason: string,
    topic: string,
    payload: Uint8Array,
    at: Date,
  ): Promise<ProcessOutcome> {
    await this.store.ingest.insertDeadLetter({ code, reason, topic, payload }, at);
    this.counters.deadLetters++;
    return { kind: 'dead_letter', code };
  }
}

/** SQLSTATE class 22: the data itself is refused (bad encoding, out of range...). */
function isDataException(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('22');
}
