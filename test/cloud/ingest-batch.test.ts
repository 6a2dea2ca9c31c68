// Issue 14, group commit: a batch of broker messages is stored in one transaction, and each
// guarantee of one-message-at-a-time ingest still holds inside it, on PGlite and PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CloudCore } from '../../cloud/services/cloud-core.ts';
import type { LiveMessage } from '../../cloud/services/live-feed.ts';
import type { ProcessOutcome } from '../../cloud/services/message-processor.ts';
import type { EdgeEvent } from '../../foundation/contract/events.ts';
import { openCore } from './support/core.ts';
import { backends } from './support/databases.ts';
import { edgeEvent, message } from './support/events.ts';

const T = '2026-11-21T03:50:00.000Z';

describe.each(backends)('a batch of messages in one transaction on $name', (backend) => {
  let core: CloudCore;
  let dispose: () => Promise<void>;
  let db: Awaited<ReturnType<typeof openCore>>['db'];
  const live: LiveMessage[] = [];
  const batches: number[] = [];
  beforeAll(async () => {
    ({ core, dispose, db } = await openCore(backend));
    core.live.subscribe((m) => live.push(m));
    core.processor.observe({
      committed: (outcomes) => batches.push(outcomes.length),
      deadLettered: () => {},
    });
    // The database refuses, as data (SQLSTATE 22023), every event keyed `poison`.
    await db.exec(`CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.event_id LIKE '%:poison%' THEN
          RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'poison value in ' || NEW.event_id;
        END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER refuse_poison BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION refuse_poison();`);
  });
  afterAll(() => dispose());

  const batch = (events: EdgeEvent[]) => core.processor.processBatch(events.map(message));
  const ticketOf = async (outcome: ProcessOutcome | undefined) => {
    const incidentId = outcome?.kind === 'event' ? outcome.incidentId : undefined;
    const { tickets } = await core.store.tickets.list({});
    return tickets.filter((t) => t.incidentId === incidentId && incidentId !== undefined);
  };
  const vending = (cameraId: string, key: string, sequence = 0, phase?: 'end') =>
    edgeEvent({ edgeId: 'lingnan-hub', cameraId, key, sequence, startedAt: T, ...(phase ? { phase } : {}) });

  it('stores and tickets the others of a batch when the database refuses one event, which alone is dead-lettered', async () => {
    const before = batches.length;
    const events = [
      vending('ln-market', 'b1'),
      vending('ln-school', 'b2'),
      vending('ln-market', 'poison'),
      vending('ln-school', 'b3'),
      vending('ln-market', 'b1', 1),
    ];
    const outcomes = await batch(events);
    expect(outcomes.map((o) => (o.kind === 'dead_letter' ? o.code : o.kind))).toEqual([
      'event',
      'event',
      'EVENT_UNSTORABLE',
      'event',
      'event',
    ]);
    for (const n of [0, 1, 3]) expect(await ticketOf(outcomes[n])).toHaveLength(1);
    const letters = await core.store.ingest.deadLetters(5);
    expect(letters[0]).toMatchObject({ code: 'EVENT_UNSTORABLE' });
    expect(letters[0]?.reason).toContain('poison value in lingnan-hub:ln-market:street_vending:poison:0');
    const stored = await db.query<{ event_id: string }>(
      "SELECT event_id FROM events WHERE edge_incident_id LIKE '%:b_' ORDER BY event_id",
    );
    expect(stored.map((r) => r.event_id.split(':').slice(-2).join(':'))).toEqual([
      'b1:0',
      'b1:1',
      'b2:0',
      'b3:0',
    ]);
    // The batch failed whole once, then was split until the poison stood alone: more than one
    // commit, fewer than one per message would need for the good four.
    expect(batches.length - before).toBeGreaterThan(1);
  });

  it('stores once what comes twice in one batch, and what was stored before', async () => {
    const first = vending('ln-market', 'dup');
    await batch([first]);
    const again = vending('ln-market', 'dup', 1);
    const outcomes = await batch([first, again, again, first]);
    expect(outcomes.map((o) => o.kind === 'event' && o.stored)).toEqual([false, true, false, false]);
    const rows = await db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM events WHERE edge_incident_id LIKE '%:dup'",
    );
    expect(rows[0]?.n).toBe(2);
    const incident = await core.store.incidents.get((outcomes[1] as { incidentId: number }).incidentId);
    expect(incident?.eventCount).toBe(2);
    expect(await ticketOf(outcomes[1])).toHaveLength(1);
  });

  it('makes one ticket of one stall when both boundary cameras report it in the same batch', async () => {
    const ln = {
      edgeId: 'lingnan-hub',
      cameraId: 'ln-boundary',
      key: 'both',
      startedAt: '2026-11-21T03:55:00Z',
    };
    const rm = {
      edgeId: 'renmin-hub',
      cameraId: 'rm-boundary',
      key: 'both',
      startedAt: '2026-11-21T03:55:20Z',
    };
    const outcomes = await batch([
      edgeEvent({ ...ln, sequence: 0 }),
      edgeEvent({ ...rm, sequence: 0 }),
      edgeEvent({ ...ln, sequence: 1 }),
      edgeEvent({ ...rm, sequence: 1 }),
    ]);
    const ids = new Set(outcomes.map((o) => (o as { incidentId: number }).incidentId));
    expect(ids.size).toBe(1);
    const tickets = await ticketOf(outcomes[0]);
    expect(tickets).toHaveLength(1);
    // Routed where the two views meet, as when the two cameras' events come one at a time.
    expect(tickets[0]).toMatchObject({ streetId: 'renmin', level: 3 });
    const incident = await core.store.incidents.get([...ids][0] as number);
    expect(incident?.sources.map((s) => s.cameraId).sort()).toEqual(['ln-boundary', 'rm-boundary']);
    expect(incident).toMatchObject({ state: 'open', eventCount: 4 });
    const created = live.filter((m) => m.kind === 'ticket.created' && m.ticket.id === tickets[0]?.id);
    expect(created).toHaveLength(1);
  });

  it("keeps an incident's order when its start, updates and end come in one batch", async () => {
    const outcomes = await batch([
      vending('ln-school', 'order', 0),
      vending('ln-school', 'order', 1),
      vending('ln-school', 'order', 2),
      vending('ln-school', 'order', 3, 'end'),
    ]);
    const incidentId = (outcomes[0] as { incidentId: number }).incidentId;
    expect(outcomes.every((o) => o.kind === 'event' && o.incidentId === incidentId)).toBe(true);
    const incident = await core.store.incidents.get(incidentId);
    expect(incident).toMatchObject({
      state: 'ended',
      eventCount: 4,
      startedAt: T,
      lastSeenAt: '2026-11-21T03:50:30.000Z',
      endedAt: '2026-11-21T03:50:30.000Z',
    });
    expect(await ticketOf(outcomes[0])).toHaveLength(1);
    // An update that comes after the end (in a later batch) does not reopen it.
    await batch([vending('ln-school', 'order', 4)]);
    expect((await core.store.incidents.get(incidentId))?.state).toBe('ended');
  });

  it('dead-letters what is not an event and records statuses in the same batch as events', async () => {
    const status = {
      state: 'online',
      edgeId: 'lingnan-hub',
      clientId: 'edge-lingnan-hub',
      at: '2026-11-21T03:59:00Z',
    };
    const outcomes = await core.processor.processBatch([
      { topic: 'edges/lingnan-hub/events/street_vending', payload: Buffer.from('not json') },
      message(vending('ln-market', 'mixed')),
      { topic: 'edges/lingnan-hub/status', payload: Buffer.from(JSON.stringify(status)) },
    ]);
    expect(outcomes.map((o) => (o.kind === 'dead_letter' ? o.code : o.kind))).toEqual([
      'PAYLOAD_NOT_JSON',
      'event',
      'status',
    ]);
    expect(await core.store.ingest.edges()).toEqual([expect.objectContaining({ state: 'online' })]);
  });
});
