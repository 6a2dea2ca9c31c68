import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { DeviceEventTypeSchema, EventTypeSchema } from '../../foundation/contract/events.ts';
import { REPORT_CATEGORIES, TICKET_SOURCES } from '../tickets/categories.ts';
import { ROLES } from '../tickets/roles.ts';
import {
  type Action,
  allowedActions,
  FINAL_STATES,
  TICKET_STATES,
  TransitionRequestSchema,
} from '../tickets/ticket-state-machine.ts';
import type { RouteDeps } from './route-deps.ts';

const VocabularySchema = z.object({
  ticketStates: z.array(z.enum(TICKET_STATES)),
  finalStates: z.array(z.enum(TICKET_STATES)),
  roles: z.array(z.enum(ROLES)),
  /** For each state, the actions each role may take from it. */
  actions: z.record(z.string(), z.record(z.string(), z.array(z.string()))),
  /** What each action asks for besides its name; a trailing "?" marks an optional field. */
  actionFields: z.record(z.string(), z.array(z.string())),
  /** Camera event types, then device event types (the AI and IoT ticket categories). */
  eventTypes: z.array(z.string()),
  reportCategories: z.array(z.string()),
  ticketSources: z.array(z.string()),
});
type Vocabulary = z.infer<typeof VocabularySchema>;

function vocabulary(): Vocabulary {
  const actions = Object.fromEntries(
    TICKET_STATES.map((state) => [
      state,
      Object.fromEntries(ROLES.map((role) => [role, allowedActions(state, role)])),
    ]),
  );
  const actionFields = Object.fromEntries(
    TransitionRequestSchema.options.map((option) => [
      option.shape.action.value satisfies Action,
      Object.entries(option.shape)
        .filter(([name]) => name !== 'action')
        .map(([name, schema]) => (schema.safeParse(undefined).success ? `${name}?` : name)),
    ]),
  );
  return {
    ticketStates: [...TICKET_STATES],
    finalStates: [...FINAL_STATES],
    roles: [...ROLES],
    actions,
    actionFields,
    eventTypes: [...EventTypeSchema.options, ...DeviceEventTypeSchema.options],
    reportCategories: [...REPORT_CATEGORIES],
    ticketSources: [...TICKET_SOURCES],
  };
}

/** The ticket loop's states and actions and the event types, for clients (the operator UI) to read. */
export async function vocabularyRoutes(app: FastifyInstance, { auth }: RouteDeps) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const body = vocabulary();
  r.get(
    '/vocabulary',
    {
      onRequest: auth.requireUser(),
      schema: {
        tags: ['tickets'],
        summary: 'Ticket states, the actions each role may take from each, and the event types',
        response: { 200: VocabularySchema },
      },
    },
    async () => body,
  );
}
