import { describe, expect, it } from 'vitest';
import {
  type Action,
  allowedActions,
  nextState,
  stepOf,
  TICKET_STATES,
  TRANSITIONS,
} from '../../cloud/tickets/ticket-state-machine.ts';

/** The loop as the command centre describes it: from → action → to. */
const LOOP: [string, Action, string][] = [
  ['new', 'confirm', 'confirmed'],
  ['new', 'reject', 'rejected'],
  ['new', 'merge', 'merged'],
  ['confirmed', 'merge', 'merged'],
  ['confirmed', 'dispatch', 'dispatched'],
  ['dispatched', 'decline', 'confirmed'],
  ['dispatched', 'accept', 'accepted'],
  ['accepted', 'start', 'in_progress'],
  ['in_progress', 'hold', 'on_hold'],
  ['on_hold', 'resume', 'in_progress'],
  ['in_progress', 'handle', 'handled'],
  ['handled', 'close', 'closed'],
  ['handled', 'reopen', 'reopened'],
  ['closed', 'reopen', 'reopened'],
  ['reopened', 'dispatch', 'dispatched'],
  ['closed', 'assess', 'assessed'],
];

describe('ticket state machine', () => {
  it('allows exactly the transitions of the loop, and refuses every other pair listing what is allowed', () => {
    for (const state of TICKET_STATES) {
      for (const action of Object.keys(TRANSITIONS) as Action[]) {
        const expected = LOOP.find(([from, a]) => from === state && a === action)?.[2];
        if (expected) {
          expect(nextState(state, action, 'admin'), `${state} ${action}`).toBe(expected);
        } else {
          let caught: unknown;
          try {
            nextState(state, action, 'admin');
          } catch (error) {
            caught = error;
          }
          expect(caught, `${state} ${action}`).toMatchObject({
            code: 'TRANSITION_NOT_ALLOWED',
            details: { allowedActions: allowedActions(state) },
          });
        }
      }
    }
  });

  it('leaves rejected, merged and assessed tickets final', () => {
    expect(allowedActions('rejected')).toEqual([]);
    expect(allowedActions('merged')).toEqual([]);
    expect(allowedActions('assessed')).toEqual([]);
  });

  it('lets each role take only its own steps', () => {
    expect(allowedActions('new', 'handler')).toEqual([]);
    expect(allowedActions('dispatched', 'handler')).toEqual(['decline', 'accept']);
    expect(allowedActions('confirmed', 'operator')).toEqual(['merge']);
    expect(() => nextState('in_progress', 'handle', 'dispatcher')).toThrow(/roles that may: handler, admin/);
  });

  it('runs the deadline of the step each state waits on', () => {
    expect(['new', 'confirmed', 'reopened'].map((s) => stepOf(s as never))).toEqual([
      'dispatch',
      'dispatch',
      'dispatch',
    ]);
    expect(stepOf('dispatched')).toBe('accept');
    expect(stepOf('on_hold')).toBe('handle');
    expect(stepOf('handled')).toBe('verify');
    expect(stepOf('closed')).toBeUndefined();
  });
});
