// Issue 14: two cloud instances on one PostgreSQL database, each given part of the same
// cross-camera incidents at the same moment (a shared subscription scatters messages, and QoS 1
// redelivers some to both), still make one incident and one ticket of each stall, and store
// each event once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../cloud/db/database.ts';
import { openPostgresDatabase } from '../../cloud/db/postgres-database.ts';
import { openCloudStore } from '../../cloud/repositories/cloud-store.ts';
import { type CloudCore, createCloudCore } from '../../cloud/services/cloud-core.ts';
import type { ProcessOutcome } from '../../cloud/services/message-processor.ts';
import type { EdgeEvent } from '../../foundation/contract/events.ts';
import { testClock } from './support/core.ts';
import { backendNamed, type TestDatabase } from './support/databases.ts';
import { edgeEvent, message } from './support/events.ts';
import { fixtureConfig, fixturePlaces } from './support/fixtures.ts';

const STALLS = 12;
const EVENTS_PER_CAMERA = 4;

describe('two cloud instances on one PostgreSQL database', () => {
  let database: TestDatabase;
  let second: Database;
  let instances: [CloudCore, CloudCore];
  beforeAll(async () => {
    database = await backendNamed('postgres').open();
    second = await openPostgresDatabase(database.url as string);
    const [config, places] = [await fixtureConfig(), await fixturePlaces()];
    const clock = testClock('2026-11-21T06:00:00Z');
    instances = [
      createCloudCore(openCloudStore(database.db), config, places, clock.now),
      createCloudCore(openCloudStore(second), config, places, clock.now),
    ];
  });
  afterAll(async () => {
    await second?.close();
    await database?.dispose();
  });

  /** A stall on the boundary road seen by both boundary cameras; stalls are ten minutes apart. */
  function stall(round: number, n: number) {
    const startedAt = new Date(Date.UTC(2026, 10, 21, 4 + round * 4) + n * 600_000).toISOString();
    const key = `r${round}s${n}`;
    const seen = (edgeId: string, cameraId: string) =>
      Array.from({ length: EVENTS_PER_CAMERA }, (_, sequence) =>
        edgeEvent({
          edgeId,
          cameraId,
          key,
          sequence,
          startedAt,
          after: sequence * 10 + (edgeId === 'renmin-hub' ? 5 : 0),
        }),
      );
    return { ln: seen('lingnan-hub', 'ln-boundary'), rm: seen('renmin-hub', 'rm-boundary') };
  }

  /**
   * Each instance gets every other event of each camera, the two cameras crossed, and both get
   * the lingnan start (a redelivery): the instance that does not open an incident must find it
   * opened by the other, whichever commits first.
   */
  function interleaved(round: number): [EdgeEvent[], EdgeEvent[]] {
    const a: EdgeEvent[] = [];
    const b: EdgeEvent[] = [];
    for (let n = 0; n < STALLS; n++) {
      const { ln, rm } = stall(round, n);
      for (const [i, e] of ln.entries()) (i % 2 === 0 ? a : b).push(e);
      for (const [i, e] of rm.entries()) (i % 2 === 0 ? b : a).push(e);
      b.push(ln[0] as EdgeEvent);
    }
    return [a, b];
  }

  /** Each instance gets one camera's events: one edge box's messages went to one, the other's to the other. */
  function byCamera(round: number): [EdgeEvent[], EdgeEvent[]] {
    const stalls = Array.from({ length: STALLS }, (_, n) => stall(round, n));
    return [stalls.flatMap((s) => s.ln), stalls.flatMap((s) => s.rm)];
  }

  const storedOf = (outcomes: ProcessOutcome[]) =>
    outcomes.filter((o) => o.kind === 'event' && o.stored).length;

  /** Both instances at once, round after round; then one incident and one ticket per stall. */
  async function expectOneTicketPerStall(
    rounds: number[],
    split: (round: number) => [EdgeEvent[], EdgeEvent[]],
  ) {
    for (const round of rounds) {
      const [a, b] = split(round);
      const [outA, outB] = await Promise.all([
        instances[0].processor.processBatch(a.map(message)),
        instances[1].processor.processBatch(b.map(message)),
      ]);
      expect(storedOf(outA) + storedOf(outB)).toBe(STALLS * 2 * EVENTS_PER_CAMERA);
    }
    const inRounds = rounds.map((r) => `%:r${r}s%`);
    const incidents = await database.db.query<{ id: number; sources: number; event_count: number }>(
      `SELECT i.id, i.event_count, count(s.*)::int AS sources FROM incidents i JOIN incident_sources s ON s.incident_id = i.id
        WHERE s.edge_incident_id LIKE ANY ($1::text[]) GROUP BY i.id ORDER BY i.id`,
      [inRounds],
    );
    expect(incidents).toHaveLength(rounds.length * STALLS);
    expect(incidents.every((i) => i.sources === 2 && i.event_count === 2 * EVENTS_PER_CAMERA)).toBe(true);
    const tickets = await database.db.query<{ street_id: string; creates: number }>(
      `SELECT t.street_id,
              (SELECT count(*)::int FROM ticket_transitions h WHERE h.ticket_id = t.id AND h.action = 'create') AS creates
         FROM tickets t WHERE t.incident_id = ANY($1::bigint[])`,
      [incidents.map((i) => i.id)],
    );
    expect(tickets).toHaveLength(rounds.length * STALLS);
    // Placed where the two views meet, as one instance alone places it.
    expect(tickets.every((t) => t.street_id === 'renmin' && t.creates === 1)).toBe(true);
    const events = await database.db.query<{ n: number; linked: number }>(
      `SELECT count(*)::int AS n, count(incident_id)::int AS linked FROM events
        WHERE edge_incident_id LIKE ANY ($1::text[])`,
      [inRounds],
    );
    const total = rounds.length * STALLS * 2 * EVENTS_PER_CAMERA;
    expect(events[0]).toEqual({ n: total, linked: total });
  }

  it('makes one incident and one ticket of each stall when each instance has one camera of it', async () => {
    await expectOneTicketPerStall([0, 1, 2], byCamera);
  });

  it('makes one incident and one ticket of each stall, and stores each event once, when the instances share its events and some come to both', async () => {
    await expectOneTicketPerStall([3, 4, 5], interleaved);
  });
});
