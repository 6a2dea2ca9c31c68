// Issue 18 item 11: a handler could act on any department's ticket. A handler now names their
// department in the config (checked against the routing config's departments), lists and sees
// only its tickets, and is refused (403 OTHER_DEPARTMENT) another's; supervisors and admins keep
// working across departments. Real cloud server on PostgreSQL.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCloudConfig } from '../../cloud/config/load-cloud-config.ts';
import type { Ticket } from '../../cloud/tickets/ticket-schema.ts';
import { backendNamed } from '../cloud/support/databases.ts';
import { FIXTURE_CONFIG } from '../cloud/support/fixtures.ts';
import { openServer } from '../cloud/support/server.ts';

describe('a handler works only their department’s tickets (PostgreSQL)', () => {
  let s: Awaited<ReturnType<typeof openServer>>;
  let vending: Ticket; // routed to urban-management, the fixture handler's department
  let speeding: Ticket; // routed to traffic-police

  const act = (id: number, user: string, body: Record<string, unknown>) =>
    s.app.inject({
      method: 'POST',
      url: `/api/v1/tickets/${id}/transitions`,
      headers: s.as(user),
      payload: body,
    });
  const report = async (category: string, description: string): Promise<Ticket> => {
    const created = await s.app.inject({
      method: 'POST',
      url: '/api/v1/tickets',
      headers: s.as('operator'),
      payload: { source: 'hotline', category, description },
    });
    expect(created.statusCode, created.body).toBe(201);
    const ticket = created.json() as Ticket;
    expect((await act(ticket.id, 'dispatcher', { action: 'dispatch' })).statusCode).toBe(200);
    return ticket;
  };

  beforeAll(async () => {
    s = await openServer(backendNamed('postgres'));
    vending = await report('street_vending', 'stall on the pavement');
    speeding = await report('speeding', 'cars racing at night');
    expect([vending.department, speeding.department]).toEqual(['urban-management', 'traffic-police']);
  });
  afterAll(() => s?.dispose());

  it('refuses a handler every action on another department’s ticket, and changes nothing', async () => {
    for (const body of [{ action: 'accept' }, { action: 'decline', note: 'not ours' }]) {
      const res = await act(speeding.id, 'handler', body);
      expect(res.statusCode, res.body).toBe(403);
      expect(res.json().error).toMatchObject({ code: 'OTHER_DEPARTMENT', department: 'traffic-police' });
    }
    const detail = await s.app.inject({ url: `/api/v1/tickets/${speeding.id}`, headers: s.as('supervisor') });
    expect(detail.json().ticket.state).toBe('dispatched');
    expect(detail.json().history.map((h: { to: string }) => h.to)).toEqual(['confirmed', 'dispatched']);
  });

  it('lets the handler work their own department’s ticket', async () => {
    for (const action of ['accept', 'start']) {
      const res = await act(vending.id, 'handler', { action });
      expect(res.statusCode, res.body).toBe(200);
    }
  });

  it('lists and shows a handler only their department’s tickets', async () => {
    const list = await s.app.inject({ url: '/api/v1/tickets', headers: s.as('handler') });
    expect(list.json().tickets.map((t: Ticket) => t.id)).toEqual([vending.id]);
    expect(list.json().total).toBe(1);
    const asked = await s.app.inject({
      url: '/api/v1/tickets?department=traffic-police',
      headers: s.as('handler'),
    });
    expect(asked.json()).toEqual({ total: 0, tickets: [] });
    const other = await s.app.inject({ url: `/api/v1/tickets/${speeding.id}`, headers: s.as('handler') });
    expect(other.statusCode).toBe(403);
    expect(other.json().error.code).toBe('OTHER_DEPARTMENT');
    const own = await s.app.inject({ url: `/api/v1/tickets/${vending.id}`, headers: s.as('handler') });
    expect(own.json().allowedActions).toEqual(['hold', 'handle']);
  });

  it('keeps supervisors and admins working across departments', async () => {
    const all = await s.app.inject({ url: '/api/v1/tickets', headers: s.as('supervisor') });
    expect(all.json().total).toBe(2);
    const accepted = await act(speeding.id, 'admin', { action: 'accept' });
    expect(accepted.statusCode, accepted.body).toBe(200);
    const held = await act(vending.id, 'supervisor', { action: 'hold', note: 'x' });
    expect(held.json().error.code).toBe('ROLE_NOT_ALLOWED'); // the state machine's rule, not a department's
  });
});

describe('the department of a handler in the config', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'handler-config-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  async function loadWithHandler(department: string | undefined) {
    const fixture = await readFile(FIXTURE_CONFIG, 'utf8');
    const line = /^ {8}department: urban-management, # a handler .*\n/m;
    expect(fixture).toMatch(line);
    const file = path.join(dir, `cloud-${department ?? 'none'}.yaml`);
    await writeFile(file, fixture.replace(line, department ? `        department: ${department},\n` : ''));
    return { file, loaded: await loadCloudConfig(file).catch((error: unknown) => error) };
  }

  it('is required, and must be one tickets are routed to; the error names the field and the choices', async () => {
    const missing = await loadWithHandler(undefined);
    expect(missing.loaded).toMatchObject({ code: 'CONFIG_INVALID' });
    expect((missing.loaded as Error).message).toContain(`${missing.file}: auth.users[2].department:`);
    expect((missing.loaded as Error).message).toContain('a handler needs the department');

    const unknown = await loadWithHandler('fire-brigade');
    expect(unknown.loaded).toMatchObject({ code: 'CONFIG_INVALID' });
    expect((unknown.loaded as Error).message).toContain(
      '"fire-brigade" is not a department tickets are routed to',
    );
    expect((unknown.loaded as Error).message).toContain('traffic-police');

    const known = await loadWithHandler('traffic-police');
    expect(known.loaded).toMatchObject({
      auth: {
        users: expect.arrayContaining([
          expect.objectContaining({ name: 'handler', department: 'traffic-police' }),
        ]),
      },
    });
  });
});
