import { type CloudCore, createCloudCore } from '../../../cloud/app/cloud-core.ts';
import type { Backend } from './databases.ts';
import { fixtureConfig, fixturePlaces } from './fixtures.ts';

/** A settable clock for tests. */
export function testClock(start: string) {
  let now = Date.parse(start);
  return {
    now: () => new Date(now),
    set: (iso: string) => {
      now = Date.parse(iso);
    },
    advanceMinutes: (minutes: number) => {
      now += minutes * 60_000;
    },
  };
}

/** The fixture district's cloud core over a fresh database of `backend`. */
export async function openCore(backend: Backend, start = '2026-11-21T04:00:00Z') {
  const database = await backend.open();
  const clock = testClock(start);
  const core: CloudCore = createCloudCore(
    database.db,
    await fixtureConfig(),
    await fixturePlaces(),
    clock.now,
  );
  return { core, clock, dispose: database.dispose };
}
