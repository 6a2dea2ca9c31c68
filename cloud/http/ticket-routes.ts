import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CategorySchema, TICKET_SOURCES } from '../tickets/categories.ts';
import { EscalationSchema, TicketSchema, TransitionRecordSchema } from '../tickets/ticket-schema.ts';
import { allowedActions, TICKET_STATES, TransitionRequestSchema } from '../tickets/ticket-state-machine.ts';
import { apiError } from './http-errors.ts';
import type { RouteDeps } from './route-deps.ts';
import { csv, ErrorBodySchema, IdParamsSchema, PageQuerySchema } from './schemas.ts';

export const TicketListQuerySchema = PageQuerySchema.extend({
  state: csv(z.enum(TICKET_STATES)).optional().describe('comma-separated states'),
  source: z.enum(TICKET_SOURCES).optional(),
  category: CategorySchema.optional(),
  department: z.string().optional(),
  place: z.string().optional().describe('a grid, community, street or district id'),
  overdue: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
});

/** A report entered by the command centre: a grid worker's patrol report or a 12345 hotline call. */
export const CreateReportSchema = z.strictObject({
  source: z.enum(['grid_worker', 'hotline']),
  category: CategorySchema,
  description: z.string().trim().min(1).max(4000),
  address: z.string().max(500).optional(),
  location: z
    .strictObject({ lat: z.number().min(-90).max(90), lon: z.number().min(-180).max(180) })
    .optional(),
  gridId: z.string().optional(),
  reporter: z.string().max(200).optional(),
});

const EvidenceLinkSchema = z.object({
  kind: z.enum(['snapshot', 'snapshotAnnotated', 'before', 'clip']),
  sha256: z.string(),
  contentType: z.string(),
  /** GET it with a user token (404 until the edge's upload completes). */
  url: z.string(),
  eventId: z.string(),
  cameraId: z.string(),
  observedAt: z.string(),
});

const TicketDetailSchema = z.object({
  ticket: TicketSchema,
  /** The AI incident's snapshots and clips, newest first, for review. */
  evidence: z.array(EvidenceLinkSchema),
  history: z.array(TransitionRecordSchema),
  escalations: z.array(EscalationSchema),
  /** What the caller's role may do next. */
  allowedActions: z.array(z.string()),
});

export async function ticketRoutes(app: FastifyInstance, { core, auth }: RouteDeps) {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/tickets',
    {
      onRequest: auth.requireUser(),
      schema: {
        tags: ['tickets'],
        summary: "List tickets, newest first (a handler's: their department's only)",
        querystring: TicketListQuerySchema,
        response: { 200: z.object({ total: z.number().int(), tickets: z.array(TicketSchema) }) },
      },
    },
    async (request) => core.tickets.listFor(request.user as NonNullable<typeof request.user>, request.query),
  );

  r.get(
    '/tickets/:id',
    {
      onRequest: auth.requireUser(),
      schema: {
        tags: ['tickets'],
        summary: 'A ticket with its audit trail, escalations and the actions open to you',
        params: IdParamsSchema,
        response: { 200: TicketDetailSchema, 403: ErrorBodySchema, 404: ErrorBodySchema },
      },
    },
    async (request, reply) => {
      const ticket = await core.tickets.getFor(
        request.user as NonNullable<typeof request.user>,
        request.params.id,
      );
      if (!ticket)
        return reply.code(404).send(apiError('TICKET_NOT_FOUND', `no ticket ${request.params.id}`));
      return {
        ticket,
        evidence: await core.tickets.evidence(ticket),
        history: await core.tickets.history(ticket.id),
        escalations: await core.tickets.escalations({ ticketId: ticket.id }),
        allowedActions: allowedActions(ticket.state, request.user?.role),
      };
    },
  );

  r.post(
    '/tickets',
    {
      onRequest: auth.requireUser(['operator', 'dispatcher', 'supervisor', 'admin']),
      schema: {
        tags: ['tickets'],
        summary: 'Enter a grid-worker or 12345 hotline report; it joins the same loop (confirmed)',
        body: CreateReportSchema,
        response: { 201: TicketSchema },
      },
    },
    async (request, reply) => {
      const user = request.user as NonNullable<typeof request.user>;
      const ticket = await core.tickets.createReport(request.body, user, core.clock());
      core.live.publish({ kind: 'ticket.created', ticket });
      return reply.code(201).send(ticket);
    },
  );

  r.post(
    '/tickets/:id/transitions',
    {
      onRequest: auth.requireUser(),
      schema: {
        tags: ['tickets'],
        summary: 'Take the ticket one step through the loop (409 lists the actions allowed from its state)',
        params: IdParamsSchema,
        body: TransitionRequestSchema,
        response: {
          200: z.object({ ticket: TicketSchema, transition: TransitionRecordSchema }),
          403: ErrorBodySchema,
          404: ErrorBodySchema,
          409: ErrorBodySchema,
          422: ErrorBodySchema,
        },
      },
    },
    async (request) => {
      const user = request.user as NonNullable<typeof request.user>;
      const result = await core.tickets.transition(request.params.id, request.body, user, core.clock());
      core.live.publish({ kind: 'ticket.updated', ticket: result.ticket });
      return result;
    },
  );

  r.get(
    '/escalations',
    {
      onRequest: auth.requireUser(['supervisor', 'admin', 'dispatcher', 'operator']),
      schema: {
        tags: ['tickets'],
        summary: 'Supervisor notifications: steps that went past their deadline, newest first',
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) }),
        response: { 200: z.array(EscalationSchema) },
      },
    },
    async (request) => core.tickets.escalations({ limit: request.query.limit }),
  );
}
