import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../cloud/db/database.ts';
import { openPostgresDatabase } from '../../cloud/db/postgres-database.ts';
import { openCloudStore } from '../../cloud/repositories/cloud-store.ts';
import { type CloudCore, createCloudCore } from '../../cloud/services/cloud-core.ts';
import { backendNamed, type TestDatabase } from './support/databases.ts';
import { edgeEvent, message } from './support/events.ts';
import { fixtureConfig, fixturePlaces } from './support/fixtures.ts';

/** Several cloud instances share the load (MQTT shared subscription) over one PostgreSQL. */
describe('two cloud instances on one PostgreSQL', () => {
  let database: TestDatabase;
  let second: Database;
  const cores: CloudCore[] = [];
  beforeAll(async () => {
    const postgres = backendNamed('postgres');
    database = await postgres.open();
    second = await openPostgresDatabase(database.url as string);
    const config = await fixtureConfig();
    const places = await fixturePlaces();
    cores.push(
      createCloudCore(openCloudStore(database.db), config, places),
      createCloudCore(openCloudStore(second), config, places),
    );
  });
  afterAll(async () => {
    await second.close();
    await database.dispose();
  });

  it('make one incident and one ticket of a stall both boundary cameras report at the same moment', async () => {
    for (let round = 0; round < 5; round++) {
      const startedAt = new Date(Date.UTC(2026, 10, 21, 4, round * 10)).toISOString();
      const events = [
        edgeEvent({ edgeId: 'lingnan-hub', cameraId: 'ln-boundary', key: `r${round}`, startedAt }),
        edgeEvent({ edgeId: 'renmin-hub', cameraId: 'rm-boundary', key: `r${round}`, startedAt }),
      ];
      const outcomes = await Promise.all(
        events.map((event, i) => {
          const m = message(event);
          return (cores[i] as CloudCore).processor.process(m.topic, m.payload);
        }),
      );
      const ids = outcomes.map((o) => (o as { incidentId: number }).incidentId);
      expect(ids[0]).toBe(ids[1]);
    }
    const tickets = await database.db.query<{ n: number }>('SELECT count(*)::int AS n FROM tickets');
    expect(tickets[0]?.n).toBe(5);
  });

  it('store a message both instances receive (a redelivery to the other) once', async () => {
    const event = edgeEvent({
      edgeId: 'lingnan-hub',
      cameraId: 'ln-market',
      key: 'twice',
      startedAt: '2026-11-21T05:00:00Z',
    });
    const m = message(event);
    const outcomes = await Promise.all(cores.map((core) => core.processor.process(m.topic, m.payload)));
    expect(outcomes.filter((o) => o.kind === 'event' && o.stored)).toHaveLength(1);
    const rows = await database.db.query('SELECT 1 FROM events WHERE event_id = $1', [event.eventId]);
    expect(rows).toHaveLength(1);
  });
});
