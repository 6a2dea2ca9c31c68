import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CloudCore } from '../../cloud/services/cloud-core.ts';
import type { LiveMessage } from '../../cloud/services/live-feed.ts';
import { openCore } from './support/core.ts';
import { backends } from './support/databases.ts';
import { edgeEvent, message } from './support/events.ts';

const T = '2026-11-21T03:50:00.000Z';

describe.each(backends)('ingest into incidents and tickets on $name', (backend) => {
  let core: CloudCore;
  let dispose: () => Promise<void>;
  const live: LiveMessage[] = [];
  beforeAll(async () => {
    ({ core, dispose } = await openCore(backend));
    core.live.subscribe((m) => live.push(m));
  });
  afterAll(() => dispose());

  const send = (event: ReturnType<typeof edgeEvent>) => {
    const m = message(event);
    return core.processor.process(m.topic, m.payload);
  };
  const tickets = async () => (await core.store.tickets.list({})).tickets;

  it('folds start, updates and end of one edge incident into one incident and one ticket, redeliveries ignored', async () => {
    const base = { edgeId: 'lingnan-hub', cameraId: 'ln-market', key: 'a', startedAt: T };
    const start = edgeEvent({ ...base, sequence: 0 });
    expect(await send(start)).toMatchObject({ kind: 'event', stored: true });
    expect(await send(start)).toEqual({ kind: 'event', stored: false, incidentId: undefined });
    await send(edgeEvent({ ...base, sequence: 1 }));
    await send(edgeEvent({ ...base, sequence: 1 }));
    const end = await send(edgeEvent({ ...base, sequence: 2, phase: 'end' }));
    const all = await tickets();
    expect(all).toHaveLength(1);
    const ticket = all[0];
    expect(ticket).toMatchObject({
      source: 'ai',
      category: 'street_vending',
      state: 'new',
      cameraId: 'ln-market',
      gridId: 'ln-south-g1',
      communityId: 'ln-south',
      streetId: 'lingnan',
      districtId: 'liwan',
      department: 'urban-management',
      level: 2,
      step: 'dispatch',
      stepDueAt: '2026-11-21T04:15:00.000Z',
    });
    const incident = await core.store.incidents.get((end as { incidentId: number }).incidentId);
    expect(incident).toMatchObject({ state: 'ended', eventCount: 3, endedAt: '2026-11-21T03:50:20.000Z' });
    expect(live.filter((m) => m.kind === 'ticket.created')).toHaveLength(1);
    expect((await core.store.ingest.counts()).events).toBe(3);
  });

  it('makes one ticket of one stall seen by both boundary cameras, routed to Renmin where it is', async () => {
    const ln = {
      edgeId: 'lingnan-hub',
      cameraId: 'ln-boundary',
      key: 'stall',
      startedAt: '2026-11-21T03:55:00Z',
    };
    const rm = {
      edgeId: 'renmin-hub',
      cameraId: 'rm-boundary',
      key: 'stall',
      startedAt: '2026-11-21T03:55:20Z',
    };
    const first = await send(edgeEvent({ ...ln, sequence: 0 }));
    const second = await send(edgeEvent({ ...rm, sequence: 0 }));
    await send(edgeEvent({ ...ln, sequence: 1 }));
    await send(edgeEvent({ ...rm, sequence: 1 }));
    expect(second).toMatchObject({ incidentId: (first as { incidentId: number }).incidentId });
    const boundary = (await tickets()).filter(
      (t) => t.incidentId === (first as { incidentId: number }).incidentId,
    );
    expect(boundary).toHaveLength(1);
    expect(boundary[0]).toMatchObject({ streetId: 'renmin', level: 3, department: 'urban-management' });
    const incident = await core.store.incidents.get((first as { incidentId: number }).incidentId);
    expect(incident?.sources.map((s) => s.cameraId).sort()).toEqual(['ln-boundary', 'rm-boundary']);
    expect(incident?.state).toBe('open');
  });

  it('keeps apart what is far away, of another type, or at another time', async () => {
    const before = (await tickets()).length;
    // Far: Renmin square, same time and type as the boundary stall.
    await send(
      edgeEvent({
        edgeId: 'renmin-hub',
        cameraId: 'rm-square',
        key: 'far',
        startedAt: '2026-11-21T03:55:30Z',
      }),
    );
    // Another type at the boundary.
    await send(
      edgeEvent({
        edgeId: 'renmin-hub',
        cameraId: 'rm-boundary',
        type: 'muck_truck_uncovered',
        key: 'truck',
        startedAt: '2026-11-21T03:55:30Z',
      }),
    );
    // The boundary, two hours later.
    await send(
      edgeEvent({
        edgeId: 'renmin-hub',
        cameraId: 'rm-boundary',
        key: 'later',
        startedAt: '2026-11-21T06:00:00Z',
      }),
    );
    expect((await tickets()).length).toBe(before + 3);
  });

  it('dead-letters what is not an event, keeps its bytes, and goes on', async () => {
    const good = edgeEvent({ edgeId: 'lingnan-hub', cameraId: 'ln-school', key: 'ok', startedAt: T });
    const outcomes = [
      await core.processor.process(
        'edges/lingnan-hub/events/street_vending',
        Buffer.from([0xff, 0xfe, 0x00]),
      ),
      await core.processor.process(
        'edges/lingnan-hub/events/street_vending',
        Buffer.from('{"schemaVersion":1}'),
      ),
      await core.processor.process(
        'edges/renmin-hub/events/street_vending',
        Buffer.from(JSON.stringify(good)),
      ),
      await core.processor.process('edges/lingnan-hub/other', Buffer.from('{}')),
      await core.processor.process('edges/lingnan-hub/status', Buffer.from('{"state":"sleeping"}')),
      await send({ ...good, eventId: 'nul', scenario: 'stall\u0000' }),
      await send({
        ...good,
        eventId: 'nul-key',
        objects: [
          { trackId: 1, label: 'cart', score: 0.5, box: [0, 0, 1, 1], attributes: { '\u0000': Number.NaN } },
        ],
      }),
      await core.processor.process('edges/lingnan-hub/events/street_vending', Buffer.from('{"a":"\u0000')),
      await send(good),
    ];
    expect(outcomes.map((o) => ('code' in o ? o.code : o.kind))).toEqual([
      'PAYLOAD_NOT_JSON',
      'EVENT_INVALID',
      'EVENT_TOPIC_MISMATCH',
      'TOPIC_UNKNOWN',
      'STATUS_INVALID',
      'EVENT_INVALID',
      'EVENT_INVALID',
      'PAYLOAD_NOT_JSON',
      'event',
    ]);
    const letters = await core.store.ingest.deadLetters(10);
    expect(letters).toHaveLength(8);
    const notJson = letters
      .filter((l) => l.code === 'PAYLOAD_NOT_JSON')
      .map((l) => Buffer.from(l.payloadBase64, 'base64'));
    expect(notJson).toEqual([Buffer.from('{"a":"\u0000'), Buffer.from([0xff, 0xfe, 0x00])]);
    // NUL, which PostgreSQL's jsonb refuses, is refused by the contract first, naming the field.
    const invalid = letters.filter((l) => l.code === 'EVENT_INVALID');
    expect(invalid.map((l) => l.reason)).toEqual([
      expect.stringContaining('attributes'),
      expect.stringContaining('scenario'),
      expect.stringContaining('eventId'),
    ]);
    expect(invalid[1]?.topic).toBe('edges/lingnan-hub/events/street_vending');
    expect((await core.store.ingest.counts()).deadLettersByCode).toMatchObject({
      EVENT_INVALID: 3,
      PAYLOAD_NOT_JSON: 2,
    });
  });

  it('opens a ticket for a device event where the device was, routed by its type', async () => {
    const device = {
      schemaVersion: 1,
      eventId: 'iot-hub:truck-7:no-go:1:0',
      incidentId: 'iot-hub:truck-7:no-go:1',
      sequence: 0,
      type: 'muck_truck_no_go',
      phase: 'start',
      source: 'device',
      nodeId: 'iot-hub',
      deviceId: 'truck-7',
      plate: '粤A12345',
      rule: 'no_go_school',
      zone: 'school',
      location: { lat: 23.1305, lon: 113.2402 },
      startedAt: '2026-11-21T03:58:00Z',
      observedAt: '2026-11-21T03:58:30Z',
      confidence: 1,
    };
    const payload = Buffer.from(JSON.stringify(device));
    const first = await core.processor.process('edges/iot-hub/events/muck_truck_no_go', payload);
    expect(await core.processor.process('edges/iot-hub/events/muck_truck_no_go', payload)).toMatchObject({
      stored: false,
    });
    expect(await core.processor.process('edges/lingnan-hub/events/muck_truck_no_go', payload)).toEqual({
      kind: 'dead_letter',
      code: 'EVENT_TOPIC_MISMATCH',
    });
    const ticket = (await tickets()).find(
      (t) => t.incidentId === (first as { incidentId: number }).incidentId,
    );
    expect(ticket).toMatchObject({
      source: 'iot',
      category: 'muck_truck_no_go',
      deviceId: 'truck-7',
      cameraId: null,
      model: null,
      gridId: 'ln-north-g2',
      department: 'construction-enforcement',
      level: 1,
    });
    expect(ticket?.description).toContain('粤A12345');
  });

  it("tracks each edge online and offline in the order statuses arrive, keeping the edge's time and clock offset", async () => {
    const status = (state: string, at: string) =>
      Buffer.from(
        JSON.stringify({
          state,
          edgeId: 'lingnan-hub',
          clientId: 'edge-lingnan-hub',
          at,
          cameras: [
            { id: 'ln-market', state: 'running', lastFrameTime: null, reconnects: 0, lastError: null },
          ],
        }),
      );
    await core.processor.process('edges/lingnan-hub/status', status('online', '2026-11-21T03:00:00Z'));
    await core.processor.process('edges/lingnan-hub/status', status('offline', '2026-11-21T03:10:00Z'));
    await core.processor.process('edges/lingnan-hub/status', status('online', '2026-11-21T03:05:00Z'));
    // The last to arrive wins, whatever its `at` says (the edge's clock may be wrong); the cloud's
    // clock stands at 04:00, so the edge's reads 55 minutes behind.
    const edges = await core.store.ingest.edges();
    expect(edges).toEqual([
      expect.objectContaining({
        edgeId: 'lingnan-hub',
        state: 'online',
        updatedAt: '2026-11-21T04:00:00.000Z',
        reportedAt: '2026-11-21T03:05:00.000Z',
        clockSkewSeconds: -3300,
      }),
    ]);
  });
});
