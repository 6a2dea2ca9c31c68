import { createHash } from 'node:crypto';
import { type IncidentMessage, isDeviceEvent } from '../../foundation/contract/events.ts';
import type { DeadLetterCode } from '../errors.ts';
import { classifyMessage } from '../ingest/classify-message.ts';
import { failureKind } from '../ingest/failure-kind.ts';
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
 * How many times storing one message may fail in a way that is neither its data nor an outage
 * (see failure-kind.ts), while the database answers, before it is dead-lettered
 * (MESSAGE_UNPROCESSABLE).
 */
export const MAX_UNKNOWN_FAILURES = 5;
/** Messages whose failures are remembered at once (one is in hand at a time per caller). */
const REMEMBERED_FAILURES = 64;

/**
 * One broker message, start to commit: classify it; store an event once by eventId and fold it
 * into its incident and ticket, all in one transaction; record a status; dead-letter anything
 * invalid. Resolves only once what it did is committed, so the caller may acknowledge then. A
 * rejection means nothing was committed and the message must come again: do not acknowledge.
 *
 * Failures (failure-kind.ts): data the database refuses is dead-lettered at once; an outage is
 * rejected every time, for as long as it lasts; anything else is rejected until the same message
 * has failed MAX_UNKNOWN_FAILURES times with the database answering, then dead-lettered, so one
 * poison message cannot hold the stream.
 */
export class MessageProcessor {
  readonly counters: ProcessorCounters = { events: 0, duplicates: 0, statuses: 0, deadLetters: 0 };
  /** Failures so far of messages that failed for an unknown reason, by topic and payload hash. */
  private readonly failures = new Map<string, number>();

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
    const at = this.clock();
    let kind: 'event' | 'status' | undefined;
    let outcome: ProcessOutcome;
    const notices: LiveMessage[] = [];
    try {
      const message = classifyMessage(topic, payload, at);
      if (message.kind === 'invalid') {
        outcome = await this.deadLetter(message.code, message.reason, topic, payload, at);
      } else if (message.kind === 'status') {
        kind = 'status';
        await this.store.ingest.upsertEdgeStatus(message.edgeId, message.status, at);
        this.counters.statuses++;
        notices.push({ kind: 'edge.status', edgeId: message.edgeId, state: message.status.state });
        outcome = { kind: 'status', edgeId: message.edgeId };
      } else {
        kind = 'event';
        outcome = await this.storeEvent(message.event, topic, at, notices);
        if (outcome.stored) this.counters.events++;
        else this.counters.duplicates++;
      }
    } catch (error) {
      return this.failed(error, kind, topic, payload, at);
    }
    if (this.failures.size > 0) this.failures.delete(failureKey(topic, payload));
    // Committed: a listener that throws must not make the message fail (and come again).
    for (const notice of notices) {
      try {
        this.live.publish(notice);
      } catch {}
    }
    return outcome;
  }

  /** What a failure to store the message leads to: a dead letter, or a rejection (it comes again). */
  private async failed(
    error: unknown,
    kind: 'event' | 'status' | undefined,
    topic: string,
    payload: Uint8Array,
    at: Date,
  ): Promise<ProcessOutcome> {
    const why = error instanceof Error ? error.message : String(error);
    const failure = failureKind(error);
    if (failure === 'unavailable') throw error;
    if (failure === 'data' && kind) {
      const code = kind === 'status' ? 'STATUS_UNSTORABLE' : 'EVENT_UNSTORABLE';
      return this.deadLetter(code, why, topic, payload, at);
    }
    // Unknown: the database must answer for this to count; an outage that shows differently is retried.
    if (!(await this.store.ingest.reachable())) throw error;
    const key = failureKey(topic, payload);
    const failures = (this.failures.get(key) ?? 0) + 1;
    this.failures.delete(key);
    if (failures < MAX_UNKNOWN_FAILURES) {
      this.failures.set(key, failures);
      if (this.failures.size > REMEMBERED_FAILURES) {
        const oldest = this.failures.keys().next().value;
        if (oldest !== undefined) this.failures.delete(oldest);
      }
      throw error;
    }
    const name = error instanceof Error ? error.name : typeof error;
    return this.deadLetter(
      'MESSAGE_UNPROCESSABLE',
      `failed ${failures} times while the database answered; last: ${name}: ${why}`,
      topic,
      payload,
      at,
    );
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

  /** The incident's ticket with the trucks this observation found, near the camera and by plate. */
  private async attachVehicles(
    repos: Repositories,
    event: IncidentMessage,
    incidentId: number,
    at: Date,
  ): Promise<Ticket | undefined> {
    if (isDeviceEvent(event)) return undefined;
    const found = this.vehicles?.candidatesFor(event);
    // Positions of the minute after the observation are still on their way: look again later.
    if (found) this.vehicles?.watch(incidentId, event);
    const merged = found && (await this.tickets.mergeVehicles(repos, incidentId, found, at));
    return (await this.tickets.trucks.joinPlates(repos, event, incidentId, at)) ?? merged;
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

function failureKey(topic: string, payload: Uint8Array): string {
  return createHash('sha256').update(topic).update('\u0000').update(payload).digest('hex');
}
