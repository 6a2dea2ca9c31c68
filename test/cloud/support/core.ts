import { openCloudStore } from '../../../cloud/repositories/cloud-store.ts';
import { type CloudCore, createCloudCore } from '../../../cloud/services/cloud-core.ts';
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
    openCloudStore(database.db),
    await fixtureConfig(),
    await fixturePlaces(),
    clock.now,
  );
  return { core, db: database.db, clock, dispose: database.dispose };
}
