import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allowedActions, TICKET_STATES } from '../../cloud/tickets/ticket-state-machine.ts';
import { DeviceEventTypeSchema, EventTypeSchema } from '../../foundation/contract/events.ts';
import { backends } from './support/databases.ts';
import { openServer } from './support/server.ts';

const pglite = backends.filter((b) => b.name === 'pglite');

describe.each(pglite)('the vocabulary the operator UI reads ($name)', (backend) => {
  let server: Awaited<ReturnType<typeof openServer>>;
  beforeAll(async () => {
    server = await openServer(backend);
  });
  afterAll(() => server.dispose());

  it('needs a user token', async () => {
    expect((await server.app.inject({ url: '/api/v1/vocabulary' })).statusCode).toBe(401);
  });

  it("serves the state machine's states and each role's actions, and the contract's event types", async () => {
    const response = await server.app.inject({ url: '/api/v1/vocabulary', headers: server.as('operator') });
    expect(response.statusCode).toBe(200);
    const vocabulary = response.json();
    expect(vocabulary.ticketStates).toEqual([...TICKET_STATES]);
    expect(vocabulary.eventTypes).toEqual([...EventTypeSchema.options, ...DeviceEventTypeSchema.options]);
    expect(vocabulary.actions.new.operator).toEqual(allowedActions('new', 'operator'));
    expect(vocabulary.actions.dispatched.handler).toEqual(['decline', 'accept']);
    expect(vocabulary.actionFields.handle).toEqual(['note', 'proofSha256']);
    expect(vocabulary.actionFields.dispatch).toEqual(['department?', 'note?']);
    expect(vocabulary.actionFields.confirm).toEqual(['note?']);
  });
});
