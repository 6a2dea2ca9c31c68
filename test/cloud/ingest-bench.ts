import { createCloudCore } from '../../cloud/app/cloud-core.ts';
import { backends } from './support/databases.ts';
import { edgeEvent, message } from './support/events.ts';
import { fixtureConfig, fixturePlaces } from './support/fixtures.ts';

/**
 * Messages per second one consumer stores (one transaction each, in order, as MQTT hands them
 * over): incidents of 10 events (start, 8 updates, end) over the fixture cameras.
 * Run: npx tsx test/cloud/ingest-bench.ts [events]
 */
const total = Number(process.argv[2] ?? 500);
const cameras = [
  ['lingnan-hub', 'ln-market'],
  ['lingnan-hub', 'ln-school'],
  ['renmin-hub', 'rm-square'],
] as const;

for (const backend of backends) {
  const database = await backend.open();
  const core = createCloudCore(database.db, await fixtureConfig(), await fixturePlaces());
  const messages = Array.from({ length: total }, (_, n) => {
    const incident = Math.floor(n / 10);
    const sequence = n % 10;
    const [edgeId, cameraId] = cameras[incident % cameras.length] as (typeof cameras)[number];
    const startedAt = new Date(Date.UTC(2026, 10, 21, 4) + incident * 600_000).toISOString();
    return message(
      edgeEvent({
        edgeId,
        cameraId,
        key: String(incident),
        sequence,
        phase: sequence === 9 ? 'end' : undefined,
        startedAt,
      }),
    );
  });
  const t0 = performance.now();
  for (const m of messages) await core.processor.process(m.topic, m.payload);
  const seconds = (performance.now() - t0) / 1000;
  const tickets = await database.db.query<{ n: number }>('SELECT count(*)::int AS n FROM tickets');
  console.log(
    `${backend.name}: ${total} events in ${seconds.toFixed(2)} s = ${(total / seconds).toFixed(0)} events/s (${tickets[0]?.n} tickets)`,
  );
  await database.dispose();
}
