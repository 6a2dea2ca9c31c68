import { z } from 'zod';
import { CloudError } from '../errors.ts';
import type { Role } from './roles.ts';

/**
 * The six-step loop as an explicit state machine: collect (new) → review (confirmed | rejected |
 * merged) → dispatch → accept → handle (in_progress ⇄ on_hold → handled) → verify (closed |
 * reopened) → assess. Pure: no I/O, no clock.
 */
export const TICKET_STATES = [
  'new',
  'confirmed',
  'rejected',
  'merged',
  'dispatched',
  'accepted',
  'in_progress',
  'on_hold',
  'handled',
  'closed',
  'reopened',
  'assessed',
] as const;
export const TicketStateSchema = z.enum(TICKET_STATES);
export type TicketState = z.infer<typeof TicketStateSchema>;

/** The step whose deadline runs in a state; states without one have no deadline. */
export const STEPS = ['dispatch', 'accept', 'handle', 'verify'] as const;
export type Step = (typeof STEPS)[number];

export function stepOf(state: TicketState): Step | undefined {
  switch (state) {
    case 'new':
    case 'confirmed':
    case 'reopened':
      return 'dispatch';
    case 'dispatched':
      return 'accept';
    case 'accepted':
    case 'in_progress':
    case 'on_hold':
      return 'handle';
    case 'handled':
      return 'verify';
    default:
      return undefined;
  }
}

/** States a ticket is finished in (Open311 "closed"). */
export const FINAL_STATES: readonly TicketState[] = ['rejected', 'merged', 'closed', 'assessed'];

const Note = z.string().trim().min(1).max(2000);
const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a lower-case hex sha256');

/** What each action needs besides its name: one schema per action. */
export const TransitionRequestSchema = z.discriminatedUnion('action', [
  z.strictObject({ action: z.literal('confirm'), note: Note.optional() }),
  z.strictObject({ action: z.literal('reject'), reason: Note }),
  z.strictObject({
    action: z.literal('merge'),
    mergedInto: z.number().int().positive(),
    note: Note.optional(),
  }),
  z.strictObject({
    action: z.literal('dispatch'),
    /** Overrides the routed department. */
    department: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/)
      .optional(),
    note: Note.optional(),
  }),
  z.strictObject({ action: z.literal('decline'), note: Note }),
  z.strictObject({ action: z.literal('accept'), note: Note.optional() }),
  z.strictObject({ action: z.literal('start'), note: Note.optional() }),
  z.strictObject({ action: z.literal('hold'), note: Note }),
  z.strictObject({ action: z.literal('resume'), note: Note.optional() }),
  z.strictObject({ action: z.literal('handle'), note: Note, proofSha256: Sha256 }),
  z.strictObject({ action: z.literal('close'), note: Note.optional() }),
  z.strictObject({ action: z.literal('reopen'), note: Note }),
  z.strictObject({
    action: z.literal('assess'),
    rating: z.number().int().min(1).max(5),
    note: Note.optional(),
  }),
]);
export type TransitionRequest = z.infer<typeof TransitionRequestSchema>;
export type Action = TransitionRequest['action'];

interface Rule {
  from: readonly TicketState[];
  to: TicketState;
  roles: readonly Role[];
}

const REVIEWERS: readonly Role[] = ['operator', 'supervisor', 'admin'];
const DISPATCHERS: readonly Role[] = ['dispatcher', 'supervisor', 'admin'];
const HANDLERS: readonly Role[] = ['handler', 'admin'];

export const TRANSITIONS: Readonly<Record<Action, Rule>> = {
  confirm: { from: ['new'], to: 'confirmed', roles: REVIEWERS },
  reject: { from: ['new'], to: 'rejected', roles: REVIEWERS },
  merge: { from: ['new', 'confirmed'], to: 'merged', roles: REVIEWERS },
  dispatch: { from: ['confirmed', 'reopened'], to: 'dispatched', roles: DISPATCHERS },
  /** The department sends it back: not theirs. */
  decline: { from: ['dispatched'], to: 'confirmed', roles: [...HANDLERS, 'dispatcher', 'supervisor'] },
  accept: { from: ['dispatched'], to: 'accepted', roles: HANDLERS },
  start: { from: ['accepted'], to: 'in_progress', roles: HANDLERS },
  hold: { from: ['in_progress'], to: 'on_hold', roles: HANDLERS },
  resume: { from: ['on_hold'], to: 'in_progress', roles: HANDLERS },
  handle: { from: ['in_progress'], to: 'handled', roles: HANDLERS },
  close: { from: ['handled'], to: 'closed', roles: REVIEWERS },
  reopen: { from: ['handled', 'closed'], to: 'reopened', roles: REVIEWERS },
  assess: { from: ['closed'], to: 'assessed', roles: ['supervisor', 'admin'] },
};

/** Actions that can be taken from `state`, by `role` when given. */
export function allowedActions(state: TicketState, role?: Role): Action[] {
  return (Object.keys(TRANSITIONS) as Action[]).filter((action) => {
    const rule = TRANSITIONS[action];
    return rule.from.includes(state) && (role === undefined || rule.roles.includes(role));
  });
}

/**
 * The state `action` leads to from `state` for `role`. Throws TRANSITION_NOT_ALLOWED (listing
 * the actions allowed from this state) or ROLE_NOT_ALLOWED (listing the roles that may).
 */
export function nextState(state: TicketState, action: Action, role: Role): TicketState {
  const rule = TRANSITIONS[action];
  if (!rule.from.includes(state)) {
    const allowed = allowedActions(state);
    throw new CloudError(
      'TRANSITION_NOT_ALLOWED',
      `cannot ${action} a ticket that is ${state}; allowed from ${state}: ${allowed.join(', ') || '(none)'}`,
      { state, action, allowedActions: allowed },
    );
  }
  if (!rule.roles.includes(role)) {
    throw new CloudError(
      'ROLE_NOT_ALLOWED',
      `a ${role} may not ${action}; roles that may: ${rule.roles.join(', ')}`,
      { action, role, allowedRoles: rule.roles },
    );
  }
  return rule.to;
}
