import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ticket } from '../../cloud/tickets/ticket-schema.ts';
import { backends } from './support/databases.ts';
import { message } from './support/events.ts';
import { FIXTURE_DIR } from './support/fixtures.ts';
import { candidate, muckEvent, type Sighting } from './support/muck-events.ts';
import { openServer } from './support/server.ts';

// The fixture registry (fixtures/cloud/muck-permits.yaml): 粤AD1234 may drive the boundary road
// (cameras ln-boundary, rm-boundary) and the market approach (ln-market) 22:00–06:00 in 2026;
// 粤AF5678 the boundary road only, 20:00–06:00; 粤AK9012's permit expired at the end of 2025.
// Local time is UTC+8. Uncovered-muck-truck tickets are routed at level 2 (15 min to dispatch);
// level 1 gives 5.
const NOW = '2026-11-21T04:00:00Z';
const DISPATCH_L2 = '2026-11-21T04:15:00.000Z';
const DISPATCH_L1 = '2026-11-21T04:05:00.000Z';

describe.each(backends)('uncovered-muck-truck tickets name their trucks by plate on $name', (backend) => {
  let server: Awaited<ReturnType<typeof openServer>>;
  beforeAll(async () => {
    server = await openServer(backend, NOW);
    await server.core.permits.loadFile(path.join(FIXTURE_DIR, 'muck-permits.yaml'), server.clock.now());
  });
  afterAll(() => server.dispose());

  /** The ticket as the API shows it, after the edge's observation went through ingest. */
  async function ticketAfter(...sightings: Sighting[]): Promise<Ticket> {
    let incidentId: number | undefined;
    for (const s of sightings) {
      const m = message(muckEvent(s));
      const outcome = await server.core.processor.process(m.topic, m.payload);
      expect(outcome).toMatchObject({ kind: 'event', stored: true });
      incidentId = (outcome as { incidentId: number }).incidentId;
    }
    const ticket = (await server.core.store.tickets.byIncident(incidentId as number)) as Ticket;
    const shown = await server.app.inject({
      url: `/api/v1/tickets/${ticket.id}`,
      headers: server.as('operator'),
    });
    expect(shown.statusCode).toBe(200);
    return shown.json().ticket;
  }

  it('shows the company and a valid permit for a truck on its route in its hours, and keeps the level', async () => {
    const ticket = await ticketAfter({
      cameraId: 'ln-boundary',
      at: '2026-11-10T15:00:00Z', // 23:00 local
      plates: ['粤AD1234'],
      vehicles: [candidate('truck-x', '粤AQ0001'), candidate('truck-a', '粤AD1234')],
      key: 'permitted',
    });
    expect(ticket.trucks).toEqual([
      {
        plate: '粤AD1234',
        confidence: 0.92,
        color: 'yellow',
        trackId: 1,
        observedAt: '2026-11-10T15:00:00.000Z',
        deviceId: 'truck-a',
        company: '荔湾建运渣土运输有限公司 (synthetic)',
        permitNumber: 'LW-ZT-2026-0101',
        disposalPermitNumber: 'LW-XN-2026-0031',
        permitted: true,
        reasons: [],
      },
    ]);
    expect(ticket).toMatchObject({ level: 2, stepDueAt: DISPATCH_L2 });
    expect(ticket.vehicles?.map((v) => v.deviceId)).toEqual(['truck-x', 'truck-a']);
  });

  it.each([
    {
      why: 'outside its hours (noon)',
      sighting: { cameraId: 'ln-boundary', at: '2026-11-11T04:00:00Z', plates: ['粤AD1234'] },
      reasons: ['outside_hours'],
      company: '荔湾建运渣土运输有限公司 (synthetic)',
    },
    {
      why: 'off its route (the market is not on 粤AF5678’s permit)',
      sighting: { cameraId: 'ln-market', at: '2026-11-12T15:00:00Z', plates: ['粤AF5678'] },
      reasons: ['off_route'],
      company: '荔湾建运渣土运输有限公司 (synthetic)',
    },
    {
      why: 'with an expired permit',
      sighting: { cameraId: 'ln-market', at: '2026-11-13T15:00:00Z', plates: ['粤AK9012'] },
      reasons: ['expired'],
      company: '广州穗通土方工程有限公司 (synthetic)',
    },
    {
      why: 'with no permit at all',
      sighting: { cameraId: 'rm-boundary', at: '2026-11-14T15:00:00Z', plates: ['粤B99999'] },
      reasons: ['unknown_plate'],
      company: null,
    },
  ])(
    'raises the ticket a level for a truck $why, naming the reason',
    async ({ sighting, reasons, company }) => {
      const ticket = await ticketAfter({ ...sighting, key: reasons.join() });
      expect(
        ticket.trucks?.map((t) => ({ permitted: t.permitted, reasons: t.reasons, company: t.company })),
      ).toEqual([{ permitted: false, reasons, company }]);
      expect(ticket).toMatchObject({ level: 1, stepDueAt: DISPATCH_L1 });
      const open311 = await server.app.inject({ url: `/open311/v2/requests/${ticket.id}.json` });
      expect(open311.json()[0].description).toMatch(
        /1 truck identified by plate, 1 without a valid permit\.$/,
      );
      expect(open311.body).not.toContain(sighting.plates[0]);
    },
  );

  it('leaves a ticket without a plate as before: the candidates near the camera, no trucks, its level', async () => {
    const vehicles = [candidate('truck-b', '粤AF5678')];
    const ticket = await ticketAfter({
      cameraId: 'ln-school',
      at: '2026-11-15T04:00:00Z',
      plates: [],
      vehicles,
      key: 'no-plate',
    });
    expect(ticket).toMatchObject({ trucks: null, vehicles, level: 2, stepDueAt: DISPATCH_L2 });
  });

  it('joins a plate read on a later observation of the incident, raising the ticket then; a second read keeps the verdict', async () => {
    const base = { cameraId: 'ln-school', key: 'later', vehicles: [candidate('truck-c', '粤AK9012')] };
    const first = await ticketAfter({ ...base, at: '2026-11-16T04:00:00Z', plates: [] });
    expect(first).toMatchObject({ trucks: null, level: 2 });
    const later = await ticketAfter(
      { ...base, at: '2026-11-16T04:00:10Z', plates: ['粤AK9012'], sequence: 1 },
      { ...base, at: '2026-11-16T04:00:20Z', plates: ['粤AK9012', '粤AD1234'], sequence: 2 },
    );
    expect(later.trucks?.map((t) => [t.plate, t.observedAt, t.deviceId, t.permitted, t.reasons])).toEqual([
      ['粤AK9012', '2026-11-16T04:00:10.000Z', 'truck-c', false, ['expired', 'outside_hours', 'off_route']],
      ['粤AD1234', '2026-11-16T04:00:20.000Z', null, false, ['outside_hours', 'off_route']],
    ]);
    expect(later).toMatchObject({ level: 1, stepDueAt: DISPATCH_L1 });
  });

  it('finds the device of a plate read before telemetry placed its truck near the camera', async () => {
    const base = { cameraId: 'rm-square', key: 'device-later', plates: ['粤AM3456'] };
    const first = await ticketAfter({ ...base, at: '2026-11-17T04:00:00Z' });
    expect(first.trucks?.map((t) => t.deviceId)).toEqual([null]);
    const later = await ticketAfter({
      ...base,
      at: '2026-11-17T04:00:10Z',
      sequence: 1,
      vehicles: [candidate('truck-routed-1', '粤AM3456')],
    });
    expect(later.trucks?.map((t) => [t.deviceId, t.company, t.reasons])).toEqual([
      ['truck-routed-1', '广州穗通土方工程有限公司 (synthetic)', ['off_route']],
    ]);
  });
});
