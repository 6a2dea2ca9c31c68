import type { RoutingConfig } from '../config/cloud-config-schema.ts';
import { trucksNote } from '../permits/trucks.ts';
import { deadlinesFor } from '../routing/route-ticket.ts';
import { CATEGORY_NAMES } from '../tickets/categories.ts';
import type { Ticket } from '../tickets/ticket-schema.ts';
import { FINAL_STATES, STEPS } from '../tickets/ticket-state-machine.ts';
import type { Open311ServiceRequest } from './open311-schema.ts';

const NOTES: Record<Ticket['state'], (t: Ticket) => string> = {
  new: () => 'received; awaiting review by the command centre',
  confirmed: () => 'confirmed; awaiting dispatch',
  rejected: (t) => `not taken up: ${t.rejectReason ?? 'no reason given'}`,
  merged: (t) => `duplicate of request ${t.mergedInto}`,
  dispatched: (t) => `dispatched to ${t.department}`,
  accepted: (t) => `accepted by ${t.department}`,
  in_progress: (t) => `being handled by ${t.department}`,
  on_hold: (t) => `on hold at ${t.department}`,
  handled: (t) => `handled by ${t.department}; awaiting verification`,
  closed: (t) => `resolved: ${t.handledNote ?? 'verified'}`,
  reopened: () => 'reopened after verification',
  assessed: (t) => `resolved: ${t.handledNote ?? 'verified'}`,
};

/**
 * A ticket as an Open311 service request: its state projected to open/closed with notes, the
 * department as agency, and when it is expected done (the running step's deadline plus the
 * deadlines of the steps still to come up to handling).
 */
export function projectTicket(ticket: Ticket, routing: RoutingConfig): Open311ServiceRequest {
  const closed = FINAL_STATES.includes(ticket.state);
  return {
    service_request_id: String(ticket.id),
    status: closed ? 'closed' : 'open',
    status_notes: NOTES[ticket.state](ticket),
    service_name: CATEGORY_NAMES[ticket.category] ?? ticket.category,
    service_code: ticket.category,
    description: [ticket.description, trucksNote(ticket.trucks)].filter(Boolean).join(' ') || null,
    agency_responsible: ticket.department,
    service_notice: null,
    requested_datetime: ticket.createdAt,
    updated_datetime: ticket.updatedAt,
    expected_datetime: closed ? null : expectedAt(ticket, routing),
    address: ticket.address,
    address_id: null,
    zipcode: null,
    lat: ticket.location?.lat ?? null,
    long: ticket.location?.lon ?? null,
    media_url: ticket.mediaUrl,
  };
}

function expectedAt(ticket: Ticket, routing: RoutingConfig): string | null {
  if (!ticket.step || !ticket.stepDueAt) return null;
  const deadlines = deadlinesFor(routing, ticket.level);
  const later = STEPS.slice(STEPS.indexOf(ticket.step) + 1, STEPS.indexOf('handle') + 1);
  const minutes = later.reduce((sum, step) => sum + deadlines[step], 0);
  return new Date(Date.parse(ticket.stepDueAt) + minutes * 60_000).toISOString();
}
