import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ticket } from '../../cloud/tickets/ticket-schema.ts';
import { backends } from './support/databases.ts';
import { edgeEvent, message } from './support/events.ts';
import { openServer } from './support/server.ts';

const PROOF = 'c'.repeat(64);

describe.each(backends)('the six-step loop over the API on $name', (backend) => {
  let s: Awaited<ReturnType<typeof openServer>>;
  beforeAll(async () => {
    s = await openServer(backend, '2026-11-21T04:00:00Z');
  });
  afterAll(() => s.dispose());

  const act = (id: number, user: string, body: Record<string, unknown>) =>
    s.app.inject({
      method: 'POST',
      url: `/api/v1/tickets/${id}/transitions`,
      headers: s.as(user),
      payload: body,
    });

  async function aiTicket(key: string, cameraId = 'ln-market'): Promise<Ticket> {
    const event = {
      ...edgeEvent({ edgeId: 'lingnan-hub', cameraId, key, startedAt: '2026-11-21T03:59:00Z' }),
      evidence: { snapshot: { sha256: 'e'.repeat(64), size: 1000, contentType: 'image/jpeg' as const } },
    };
    const m = message(event);
    const outcome = await s.core.processor.process(m.topic, m.payload);
    const list = await s.app.inject({ url: '/api/v1/tickets?source=ai', headers: s.as('operator') });
    const tickets = list.json().tickets as Ticket[];
    const found = tickets.find((t) => t.incidentId === (outcome as { incidentId: number }).incidentId);
    if (!found) throw new Error('no ticket');
    return found;
  }

  it('refuses requests without a valid token', async () => {
    const none = await s.app.inject({ url: '/api/v1/tickets' });
    expect(none.statusCode).toBe(401);
    expect(none.json().error.code).toBe('AUTH_REQUIRED');
    const edge = await s.app.inject({ url: '/api/v1/tickets', headers: s.as('lingnan-hub') });
    expect(edge.statusCode).toBe(401);
  });

  it('takes an AI ticket from review to assessment, each step by its role, with the audit trail', async () => {
    const ticket = await aiTicket('loop');
    expect(ticket.state).toBe('new');
    const steps: [string, Record<string, unknown>, string][] = [
      ['operator', { action: 'confirm' }, 'confirmed'],
      ['dispatcher', { action: 'dispatch', department: 'urban-management' }, 'dispatched'],
      ['handler', { action: 'accept' }, 'accepted'],
      ['handler', { action: 'start' }, 'in_progress'],
      ['handler', { action: 'hold', note: 'vendor gone for lunch' }, 'on_hold'],
      ['handler', { action: 'resume' }, 'in_progress'],
      ['handler', { action: 'handle', note: 'stall removed', proofSha256: PROOF }, 'handled'],
      ['operator', { action: 'close', note: 'camera shows the pavement clear' }, 'closed'],
      ['supervisor', { action: 'assess', rating: 5, note: 'quick' }, 'assessed'],
    ];
    for (const [user, body, state] of steps) {
      s.clock.advanceMinutes(3);
      const res = await act(ticket.id, user, body);
      expect(res.statusCode, `${user} ${body.action}: ${res.body}`).toBe(200);
      expect(res.json().ticket.state).toBe(state);
    }
    const detail = (
      await s.app.inject({ url: `/api/v1/tickets/${ticket.id}`, headers: s.as('operator') })
    ).json();
    expect(detail.ticket).toMatchObject({
      handledNote: 'stall removed',
      proofSha256: PROOF,
      rating: 5,
      step: null,
    });
    expect(detail.history.map((h: { to: string }) => h.to)).toEqual([
      'new',
      ...steps.map(([, , state]) => state),
    ]);
    expect(detail.history[2]).toMatchObject({
      action: 'dispatch',
      from: 'confirmed',
      actor: 'dispatcher',
      role: 'dispatcher',
    });
    expect(detail.allowedActions).toEqual([]);
    expect(detail.evidence).toEqual([
      expect.objectContaining({
        kind: 'snapshot',
        url: `/api/v1/evidence/${'e'.repeat(64)}`,
        cameraId: 'ln-market',
      }),
    ]);
  });

  it('answers an illegal transition with 409 and the actions allowed, a wrong role with 403', async () => {
    const ticket = await aiTicket('illegal');
    const early = await act(ticket.id, 'handler', { action: 'accept' });
    expect(early.statusCode).toBe(409);
    expect(early.json().error).toMatchObject({
      code: 'TRANSITION_NOT_ALLOWED',
      allowedActions: ['confirm', 'reject', 'merge'],
    });
    const wrongRole = await act(ticket.id, 'handler', { action: 'confirm' });
    expect(wrongRole.statusCode).toBe(403);
    expect(wrongRole.json().error).toMatchObject({
      code: 'ROLE_NOT_ALLOWED',
      allowedRoles: ['operator', 'supervisor', 'admin'],
    });
    const noReason = await act(ticket.id, 'operator', { action: 'reject' });
    expect(noReason.statusCode).toBe(400);
    expect(noReason.json().error.code).toBe('VALIDATION_FAILED');
    const history = (
      await s.app.inject({ url: `/api/v1/tickets/${ticket.id}`, headers: s.as('operator') })
    ).json().history;
    expect(history).toHaveLength(1);
  });

  it('keeps rejections as false-alarm feedback per camera and model, and merges duplicates', async () => {
    const a = await aiTicket('fa-1', 'ln-school');
    const b = await aiTicket('fa-2', 'ln-school');
    const c = await aiTicket('fa-3', 'ln-school');
    expect(
      (await act(a.id, 'operator', { action: 'reject', reason: 'a bus stop queue, not vending' })).statusCode,
    ).toBe(200);
    expect((await act(b.id, 'operator', { action: 'confirm' })).statusCode).toBe(200);
    const merged = await act(c.id, 'operator', { action: 'merge', mergedInto: b.id });
    expect(merged.json().ticket).toMatchObject({ state: 'merged', mergedInto: b.id });
    expect((await act(b.id, 'operator', { action: 'merge', mergedInto: b.id })).statusCode).toBe(422);
    const stats = (
      await s.app.inject({ url: '/api/v1/statistics/false-alarms', headers: s.as('supervisor') })
    ).json();
    expect(stats).toContainEqual({
      by: 'camera',
      key: 'ln-school',
      aiTickets: 3,
      confirmed: 1,
      rejected: 1,
      falseAlarmRate: 0.5,
    });
  });

  it('escalates an overdue step once, marks the ticket overdue, and a new step clears it', async () => {
    const ticket = await aiTicket('late');
    // Level 2: 15 minutes to dispatch.
    s.clock.advanceMinutes(20);
    const first = await s.core.tickets.sweep(s.clock.now());
    expect(first.map((e) => e.ticketId)).toContain(ticket.id);
    expect(await s.core.tickets.sweep(s.clock.now())).toEqual([]);
    const overdue = (
      await s.app.inject({ url: `/api/v1/tickets/${ticket.id}`, headers: s.as('operator') })
    ).json();
    expect(overdue.ticket.overdue).toBe(true);
    expect(overdue.escalations).toEqual([
      expect.objectContaining({ step: 'dispatch', notifyRole: 'supervisor' }),
    ]);
    await act(ticket.id, 'operator', { action: 'confirm' });
    const stillLate = await act(ticket.id, 'dispatcher', { action: 'dispatch' });
    expect(stillLate.json().ticket).toMatchObject({ overdue: false, step: 'accept' });
    const list = (await s.app.inject({ url: '/api/v1/escalations', headers: s.as('supervisor') })).json();
    expect(list.some((e: { ticketId: number }) => e.ticketId === ticket.id)).toBe(true);
  });

  it('enters hotline and grid-worker reports into the same loop, placed and routed', async () => {
    const res = await s.app.inject({
      method: 'POST',
      url: '/api/v1/tickets',
      headers: s.as('operator'),
      payload: {
        source: 'hotline',
        category: 'garbage',
        description: '12345 caller: rubbish piled at the market gate',
        location: { lat: 23.1201, lon: 113.2361 },
        reporter: 'caller 138****0000',
      },
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({
      source: 'hotline',
      state: 'confirmed',
      gridId: 'ln-south-g1',
      department: 'environment',
      level: 3,
    });
    const worker = await s.app.inject({
      method: 'POST',
      url: '/api/v1/tickets',
      headers: s.as('operator'),
      payload: {
        source: 'grid_worker',
        category: 'road_damage',
        description: 'pothole',
        gridId: 'rm-north-g2',
      },
    });
    expect(worker.json()).toMatchObject({
      streetId: 'renmin',
      districtId: 'liwan',
      department: 'urban-management',
    });
    const bad = await s.app.inject({
      method: 'POST',
      url: '/api/v1/tickets',
      headers: s.as('operator'),
      payload: { source: 'fax', category: 'garbage', description: 'x' },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toContain('source');
  });

  it('reports counts, closure and on-time rates and step times per street and category', async () => {
    const res = await s.app.inject({
      url: '/api/v1/statistics/tickets?groupBy=street,category',
      headers: s.as('supervisor'),
    });
    expect(res.statusCode).toBe(200);
    const rows = res.json() as {
      group: Record<string, string>;
      total: number;
      closed: number;
      closureRate: number;
      onTimeRate: number;
      meanMinutes: Record<string, number>;
    }[];
    const vending = rows.find((r) => r.group.street === 'lingnan' && r.group.category === 'street_vending');
    expect(vending).toBeDefined();
    // The assessed ticket closed on time: 3 minutes per step in the loop test.
    expect(vending?.closed).toBe(1);
    expect(vending?.onTimeRate).toBe(1);
    expect(vending?.meanMinutes.accept).toBe(3);
    // Six Lingnan vending tickets: one assessed, one rejected, one merged, three still open.
    expect(vending).toMatchObject({ total: 6, rejected: 1, merged: 1, open: 3, closureRate: 0.25 });
    const bad = await s.app.inject({
      url: '/api/v1/statistics/tickets?groupBy=planet',
      headers: s.as('supervisor'),
    });
    expect(bad.statusCode).toBe(400);
  });

  it('publishes the OpenAPI document', async () => {
    const doc = (await s.app.inject({ url: '/docs/json' })).json();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/tickets',
        '/api/v1/tickets/{id}/transitions',
        '/open311/v2/requests.json',
      ]),
    );
    expect((await s.app.inject({ url: '/docs' })).statusCode).toBeLessThan(400);
  });
});
