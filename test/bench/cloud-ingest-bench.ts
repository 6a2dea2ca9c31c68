import { createCloudCore } from '../../cloud/app/cloud-core.ts';
import { classifyMessage } from '../../cloud/ingest/classify-message.ts';
import { backends } from '../cloud/support/databases.ts';
import { edgeEvent, message } from '../cloud/support/events.ts';
import { fixtureConfig, fixturePlaces } from '../cloud/support/fixtures.ts';
import { printTable } from './stats.ts';

const CAMERAS = [
  ['lingnan-hub', 'ln-market'],
  ['lingnan-hub', 'ln-school'],
  ['renmin-hub', 'rm-square'],
] as const;

/** Incidents of 10 events (start, 8 updates, end) over the fixture cameras, as the wire carries them. */
function messages(total: number) {
  return Array.from({ length: total }, (_, n) => {
    const incident = Math.floor(n / 10);
    const sequence = n % 10;
    const [edgeId, cameraId] = CAMERAS[incident % CAMERAS.length] as (typeof CAMERAS)[number];
    const startedAt = new Date(Date.UTC(2026, 10, 21, 4) + incident * 600_000).toISOString();
    return message(
      edgeEvent({
        edgeId,
        cameraId,
        key: String(incident),
        sequence,
        ...(sequence === 9 ? { phase: 'end' } : {}),
        startedAt,
      }),
    );
  });
}

/**
 * `npm run bench`: events per second one cloud consumer stores (parse, validate, store the event
 * with its incident and ticket in one transaction, in order), on embedded PGlite and PostgreSQL,
 * against the parse-and-validate step alone.
 */
export async function benchCloudIngest(total = 1000): Promise<void> {
  const wire = messages(total);
  let t0 = performance.now();
  for (const m of wire) classifyMessage(m.topic, m.payload);
  const parseRate = total / ((performance.now() - t0) / 1000);
  const rows: (string | number)[][] = [['parse + validate only (baseline)', Math.round(parseRate), '1']];
  for (const backend of backends) {
    const database = await backend.open();
    const core = createCloudCore(database.db, await fixtureConfig(), await fixturePlaces());
    t0 = performance.now();
    for (const m of wire) await core.processor.process(m.topic, m.payload);
    const rate = total / ((performance.now() - t0) / 1000);
    rows.push([`stored on ${backend.name}`, Math.round(rate), (rate / parseRate).toFixed(4)]);
    await database.dispose();
  }
  printTable(`cloud ingest: ${total} events (incidents of 10) through one consumer`, [
    ['what', 'events/s', 'ratio to baseline'],
    ...rows,
  ]);
}
