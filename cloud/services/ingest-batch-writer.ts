import { type IncidentMessage, isDeviceEvent } from '../../foundation/contract/events.ts';
import type { DeadLetterCode } from '../errors.ts';
import type { IncomingMessage } from '../ingest/classify-message.ts';
import { firstOfEachEvent, groupByIncident } from '../ingest/plan-batch.ts';
import { WrittenMeanwhile } from '../ingest/written-meanwhile.ts';
import type { Repositories } from '../repositories/cloud-store.ts';
import type { Ticket } from '../tickets/ticket-schema.ts';
import type { IncidentService } from './incident-service.ts';
import type { LiveMessage } from './live-feed.ts';
import type { TicketService } from './ticket-service.ts';
import type { VehicleCorrelator } from './vehicle-correlator.ts';

/** A message as the broker delivered it. */
export interface BrokerMessage {
  topic: string;
  payload: Uint8Array;
}

export type ProcessOutcome =
  | { kind: 'event'; stored: boolean; incidentId: number | undefined }
  | { kind: 'status'; edgeId: string }
  | { kind: 'dead_letter'; code: DeadLetterCode };

export interface ClassifiedMessage extends BrokerMessage {
  incoming: IncomingMessage;
}

export interface BatchWriterDeps {
  incidents: IncidentService;
  tickets: TicketService;
  /** Lists the trucks near the camera on uncovered-muck-truck tickets. */
  vehicles?: VehicleCorrelator | undefined;
}

type EventItem = { index: number; event: IncidentMessage; topic: string };

/**
 * Writes one batch of classified messages in the caller's transaction, with multi-row statements
 * where the batch has many rows of a kind: the events not stored yet (each eventId once, a
 * redelivery inside the batch or of a stored event skipped) are folded into their incidents per
 * edge incident, then inserted with their incident in one INSERT. Statuses and dead letters are
 * rare and written one by one, in arrival order. Returns each message's outcome, in order; `notices` gets
 * what the live feed is to hear once the transaction commits.
 */
export async function writeBatch(
  repos: Repositories,
  messages: readonly ClassifiedMessage[],
  at: Date,
  deps: BatchWriterDeps,
  notices: LiveMessage[],
): Promise<ProcessOutcome[]> {
  const outcomes: ProcessOutcome[] = [];
  const events: EventItem[] = [];
  for (const [index, { incoming, topic, payload }] of messages.entries()) {
    if (incoming.kind === 'invalid') {
      const { code, reason } = incoming;
      await repos.ingest.insertDeadLetter({ code, reason, topic, payload }, at);
      outcomes[index] = { kind: 'dead_letter', code };
    } else if (incoming.kind === 'status') {
      await repos.ingest.upsertEdgeStatus(incoming.edgeId, incoming.status, at);
      notices.push({ kind: 'edge.status', edgeId: incoming.edgeId, state: incoming.status.state });
      outcomes[index] = { kind: 'status', edgeId: incoming.edgeId };
    } else {
      events.push({ index, event: incoming.event, topic });
      outcomes[index] = { kind: 'event', stored: false, incidentId: undefined };
    }
  }
  const first = firstOfEachEvent(events);
  const stored = await repos.ingest.storedEventIds(first.map((item) => item.event.eventId));
  const fresh = first.filter((item) => !stored.has(item.event.eventId));
  if (fresh.length === 0) return outcomes;

  const groups = groupByIncident(fresh.map((item) => item.event));
  const applied = await deps.incidents.applyBatch(repos, groups, at);
  const byEdgeIncident = new Map(groups.map((g, n) => [g.edgeIncidentId, applied[n] as (typeof applied)[0]]));
  const incidentOf = (event: IncidentMessage) => byEdgeIncident.get(event.incidentId)?.incidentId as number;
  // The events go in last, each with its incident: the insert is what decides that an event is
  // stored once, so one that another instance stored meanwhile undoes this whole transaction.
  const inserted = await repos.ingest.insertEvents(
    fresh.map((item) => ({ ...item, incidentId: incidentOf(item.event) })),
    at,
  );
  if (inserted.size < fresh.length) throw new WrittenMeanwhile(fresh.length - inserted.size, 'event');
  for (const incidentId of new Set(fresh.map(({ event }) => incidentOf(event))))
    notices.push({ kind: 'incident.updated', incidentId });

  const announced = new Set<string>();
  for (const { index, event } of fresh) {
    const incidentId = incidentOf(event);
    outcomes[index] = { kind: 'event', stored: true, incidentId };
    const withVehicles = await attachVehicles(repos, deps, event, incidentId, at);
    const group = byEdgeIncident.get(event.incidentId);
    if (!announced.has(event.incidentId)) {
      announced.add(event.incidentId);
      const ticket = withVehicles ?? group?.ticket;
      if (ticket) notices.push({ kind: group?.opened ? 'ticket.created' : 'ticket.updated', ticket });
    } else if (withVehicles) {
      notices.push({ kind: 'ticket.updated', ticket: withVehicles });
    }
  }
  return outcomes;
}

/** The incident's ticket with the trucks this observation found, near the camera and by plate. */
async function attachVehicles(
  repos: Repositories,
  deps: BatchWriterDeps,
  event: IncidentMessage,
  incidentId: number,
  at: Date,
): Promise<Ticket | undefined> {
  if (isDeviceEvent(event)) return undefined;
  const found = deps.vehicles?.candidatesFor(event);
  // Positions of the minute after the observation are still on their way: look again later.
  if (found) deps.vehicles?.watch(incidentId, event);
  const merged = found && (await deps.tickets.mergeVehicles(repos, incidentId, found, at));
  return (await deps.tickets.trucks.joinPlates(repos, event, incidentId, at)) ?? merged;
}
