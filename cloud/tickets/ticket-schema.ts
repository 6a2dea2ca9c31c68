import { z } from 'zod';
import { VehicleCandidateSchema } from '../../foundation/contract/events.ts';
import { TruckSchema } from '../permits/trucks.ts';
import { CategorySchema, TICKET_SOURCES } from './categories.ts';
import { STEPS, TicketStateSchema } from './ticket-state-machine.ts';

/** Where an incident or a ticket is: its point, and the place of each level it lies in (null: none). */
export const PlacedFields = {
  location: z.object({ lat: z.number(), lon: z.number() }).nullable(),
  gridId: z.string().nullable(),
  communityId: z.string().nullable(),
  streetId: z.string().nullable(),
  districtId: z.string().nullable(),
};

/** A ticket as the API shows it (and as the repository returns it). */
export const TicketSchema = z.object({
  id: z.number().int(),
  source: z.enum(TICKET_SOURCES),
  category: CategorySchema,
  state: TicketStateSchema,
  incidentId: z.number().int().nullable(),
  cameraId: z.string().nullable(),
  /** A device event's device (vehicle terminal, sensor). */
  deviceId: z.string().nullable(),
  model: z.object({ name: z.string(), version: z.string() }).nullable(),
  description: z.string().nullable(),
  address: z.string().nullable(),
  ...PlacedFields,
  department: z.string(),
  level: z.number().int().min(1).max(4),
  /** The step whose deadline runs now, and that deadline. */
  step: z.enum(STEPS).nullable(),
  stepDueAt: z.string().nullable(),
  overdue: z.boolean(),
  mergedInto: z.number().int().nullable(),
  rejectReason: z.string().nullable(),
  handledNote: z.string().nullable(),
  proofSha256: z.string().nullable(),
  rating: z.number().int().nullable(),
  assessment: z.string().nullable(),
  reporter: z.string().nullable(),
  mediaUrl: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  closedAt: z.string().nullable(),
  /**
   * Uncovered-muck-truck tickets: the trucks telemetry placed near the camera then, best first,
   * with what each one's cargo-cover sensor said. Null where no telemetry was looked at.
   */
  vehicles: z.array(VehicleCandidateSchema).nullable(),
  /**
   * Uncovered-muck-truck tickets: the trucks named by the plates the edge read, each with its
   * telemetry device, its permit's company and whether the permit covered that place and time.
   * Null where no plate was read (the position-based `vehicles` are all there is).
   */
  trucks: z.array(TruckSchema).nullable(),
});
export type Ticket = z.infer<typeof TicketSchema>;

export const TransitionRecordSchema = z.object({
  id: z.number().int(),
  ticketId: z.number().int(),
  action: z.string(),
  from: TicketStateSchema.nullable(),
  to: TicketStateSchema,
  actor: z.string(),
  role: z.string(),
  note: z.string().nullable(),
  at: z.string(),
});
export type TransitionRecord = z.infer<typeof TransitionRecordSchema>;

export const EscalationSchema = z.object({
  id: z.number().int(),
  ticketId: z.number().int(),
  step: z.enum(STEPS),
  dueAt: z.string(),
  escalatedAt: z.string(),
  notifyRole: z.string(),
});
export type Escalation = z.infer<typeof EscalationSchema>;
