import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CloudError } from '../../cloud/errors.ts';
import type { CloudCore } from '../../cloud/services/cloud-core.ts';
import { openCore } from './support/core.ts';
import { backends } from './support/databases.ts';
import { message } from './support/events.ts';
import { FIXTURE_DIR, fixtureConfig } from './support/fixtures.ts';
import { muckEvent } from './support/muck-events.ts';

const FIXTURE = path.join(FIXTURE_DIR, 'muck-permits.yaml');
const AT = new Date('2026-11-21T04:00:00Z');

/** Captures what the service logs. */
function recordingLogger() {
  const lines: { level: string; object: object; message: string }[] = [];
  const at = (level: string) => (object: object, message: string) => lines.push({ level, object, message });
  return { lines, info: at('info'), warn: at('warn'), error: at('error') };
}

async function refusal(promise: Promise<unknown>): Promise<CloudError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeDefined();
  return error as CloudError;
}

describe.each(backends)('the permit registry file on $name', (backend) => {
  let core: CloudCore;
  let dispose: () => Promise<void>;
  let dir: string;
  let fixture: string;
  const plates = async () => (await core.permits.list({ limit: 100, offset: 0 })).permits.map((p) => p.plate);

  beforeAll(async () => {
    ({ core, dispose } = await openCore(backend));
    dir = await mkdtemp(path.join(os.tmpdir(), 'permits-'));
    fixture = await readFile(FIXTURE, 'utf8');
  });
  afterAll(async () => {
    await dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses to start on an invalid file when no registry was ever in force', async () => {
    const bad = path.join(dir, 'first.yaml');
    await writeFile(bad, fixture.replace('validTo: 2026-12-31', 'validTo: 31.12.2026'));
    const error = await refusal(core.permits.loadConfiguredFile(bad, AT));
    expect(error.code).toBe('PERMITS_INVALID');
    expect(error.message).toContain(`${bad}:26: row 1: validTo: a date YYYY-MM-DD`);
    expect(await plates()).toEqual([]);
  });

  it('lists a plate read while no registry is in force, without judging it or raising the ticket', async () => {
    const m = message(
      muckEvent({
        cameraId: 'ln-market',
        at: '2026-11-10T04:00:00Z',
        plates: ['粤B99999'],
        key: 'unregistered',
      }),
    );
    const outcome = await core.processor.process(m.topic, m.payload);
    const ticket = await core.store.tickets.byIncident((outcome as { incidentId: number }).incidentId);
    expect(ticket?.trucks?.map((t) => [t.plate, t.company, t.permitted, t.reasons])).toEqual([
      ['粤B99999', null, null, ['no_registry']],
    ]);
    expect(ticket?.level).toBe(2);
  });

  it('takes the file in, each permit audited as coming from it', async () => {
    const log = recordingLogger();
    await core.permits.loadConfiguredFile(FIXTURE, AT, log);
    expect(log.lines).toMatchObject([
      { level: 'info', object: { permits: 4, added: 4, changed: 0, removed: 0 } },
    ]);
    expect(await plates()).toEqual(['粤AD1234', '粤AF5678', '粤AK9012', '粤AM3456']);
    expect(await core.permits.history('粤AF5678')).toMatchObject([
      { action: 'file', before: null, after: { plate: '粤AF5678', hours: { from: '20:00', to: '06:00' } } },
    ]);
    expect(await core.permits.lastLoad()).toMatchObject({
      source: 'file',
      name: FIXTURE,
      permits: 4,
      added: 4,
    });
  });

  it('keeps the edits made over the API across a restart while the file is unchanged', async () => {
    const edited = (await core.permits.get('粤AF5678')) as NonNullable<
      Awaited<ReturnType<CloudCore['permits']['get']>>
    >;
    const { plate: _plate, updatedAt: _at, updatedBy: _by, ...body } = edited;
    await core.permits.put('粤AF5678', { ...body, hours: { from: '21:00', to: '05:00' } }, 'supervisor', AT);
    expect(await core.permits.loadFile(FIXTURE, AT)).toBeUndefined();
    expect((await core.permits.get('粤AF5678'))?.hours).toEqual({ from: '21:00', to: '05:00' });
  });

  it('refuses a changed file with invalid rows, naming each row and field, and keeps the registry in force', async () => {
    const bad = path.join(dir, 'bad.yaml');
    await writeFile(
      bad,
      fixture
        .replace('hours: { from: "20:00", to: "06:00" }', 'hours: { from: "20:00", to: "20:00" }')
        .replace('plate: 粤AM3456', 'plate: AM3456')
        .replace('permitNumber: LW-ZT-2025-0457', 'permitNo: LW-ZT-2025-0457'),
    );
    const log = recordingLogger();
    await core.permits.loadConfiguredFile(bad, AT, log);
    expect(log.lines).toHaveLength(1);
    expect(log.lines[0]).toMatchObject({ level: 'error', object: { code: 'PERMITS_INVALID' } });
    const error = await refusal(core.permits.loadFile(bad, AT));
    expect((error.details.problems as { row: number; field: string }[]).map((p) => [p.row, p.field])).toEqual(
      [
        [2, 'hours'],
        [3, 'permitNumber'],
        [3, '(the row)'],
        [4, 'plate'],
      ],
    );
    expect(error.message).toMatch(/row 2: hours: from and to are the same/);
    expect(error.message).toMatch(/row 3: \(the row\): unknown field "permitNo"/);
    expect(error.message).toMatch(/row 4: plate: a Chinese plate/);
    expect(await plates()).toEqual(['粤AD1234', '粤AF5678', '粤AK9012', '粤AM3456']);
    expect((await core.permits.get('粤AF5678'))?.hours).toEqual({ from: '21:00', to: '05:00' });
  });

  it('replaces the registry with a changed file: added, changed and removed permits, each audited', async () => {
    const next = path.join(dir, 'next.yaml');
    const withoutLast = fixture.slice(0, fixture.indexOf('  # Any hour, market approach only.'));
    await writeFile(
      next,
      `${withoutLast.replace('validTo: 2025-12-31', 'validTo: 2026-12-31')}  - plate: 粤AD 7777
    company: New company (synthetic)
    permitNumber: LW-ZT-2026-0777
    routes: [*boundary-road]
    validFrom: 2026-11-01
    validTo: 2026-11-30
`,
    );
    // AF5678 goes back to the file's hours, AK9012 is renewed, AM3456 is gone, 粤AD7777 is new.
    expect(await core.permits.loadFile(next, AT)).toEqual({ permits: 4, added: 1, changed: 2, removed: 1 });
    expect(await plates()).toEqual(['粤AD1234', '粤AD7777', '粤AF5678', '粤AK9012']);
    expect(
      (await core.permits.history('粤AF5678')).map((e) => [e.action, e.by, e.after?.hours?.from]),
    ).toEqual([
      ['file', 'registry file', '20:00'],
      ['put', 'supervisor', '21:00'],
      ['file', 'registry file', '20:00'],
    ]);
    expect((await core.permits.history('粤AM3456')).map((e) => [e.action, e.after])).toEqual([
      ['file', expect.objectContaining({ plate: '粤AM3456' })],
      ['file', null],
    ]);
  });

  it('says a missing file is missing, and keeps the registry', async () => {
    const error = await refusal(core.permits.loadFile(path.join(dir, 'nowhere.yaml'), AT));
    expect(error.code).toBe('CONFIG_NOT_FOUND');
    expect(await plates()).toHaveLength(4);
  });
});

describe('the permit registry in the cloud config', () => {
  it('names the fixture registry file, found beside the config, and the level raise', async () => {
    const config = await fixtureConfig();
    expect(config.permits).toEqual({ file: FIXTURE, utcOffsetMinutes: 480, raiseLevelBy: 1 });
  });
});
