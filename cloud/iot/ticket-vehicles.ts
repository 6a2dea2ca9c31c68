import type { VehicleCandidate } from '../../foundation/contract/events.ts';
import type { Queryable } from '../db/database.ts';
import { ticketRepository } from '../tickets/ticket-repository.ts';
import type { Ticket } from '../tickets/ticket-schema.ts';
import { mergeCandidates } from './vehicle-correlator.ts';

/**
 * Merges trucks found for one observation into the incident's ticket, in the caller's transaction.
 * The ticket as changed; undefined when it has no ticket or its list already said as much.
 */
export async function mergeTicketVehicles(
  tx: Queryable,
  incidentId: number,
  found: readonly VehicleCandidate[],
  at: Date,
): Promise<Ticket | undefined> {
  const ticket = await ticketRepository.byIncident(tx, incidentId);
  if (!ticket) return undefined;
  const merged = mergeCandidates(ticket.vehicles ?? [], found);
  if (ticket.vehicles && JSON.stringify(merged) === JSON.stringify(ticket.vehicles)) return undefined;
  return ticketRepository.setVehicles(tx, incidentId, merged, at);
}
