import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Database } from '../../cloud/db/database.ts';
import { migrate, readMigrations } from '../../cloud/db/migrate.ts';
import { openDatabase } from '../../cloud/db/open-database.ts';
import { openPgliteDatabase } from '../../cloud/db/pglite-database.ts';
import { openPostgresDatabase } from '../../cloud/db/postgres-database.ts';
import { CloudError } from '../../cloud/errors.ts';
import { backendNamed, backends, pgliteTemplate } from './support/databases.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function rawDatabase(backend: (typeof backends)[number]): Promise<{ open(): Promise<Database> }> {
  const created = await backend.create();
  cleanups.push(created.dispose);
  if (created.url) {
    const url = created.url;
    return { open: () => openPostgresDatabase(url) };
  }
  const db = await openPgliteDatabase(await pgliteTemplate('empty'));
  cleanups.push(() => db.close());
  // PGlite in memory is one database: hand out the same one, closing it only at the end.
  return { open: async () => ({ ...db, close: async () => {} }) };
}

const tables = async (db: Database) =>
  (
    await db.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1",
    )
  ).map((r) => r.table_name);

describe.each(backends)('migrations on $name', (backend) => {
  it('creates the schema once; a second run applies nothing', async () => {
    const raw = await rawDatabase(backend);
    const db = await raw.open();
    cleanups.push(() => db.close());
    const all = await readMigrations();
    expect(await migrate(db)).toEqual(all.map((m) => m.version));
    expect(await tables(db)).toEqual(
      expect.arrayContaining([
        'events',
        'dead_letters',
        'edges',
        'incidents',
        'tickets',
        'schema_migrations',
      ]),
    );
    expect(await migrate(db)).toEqual([]);
  });

  it('refuses a database whose applied migration was edited, and one migrated by newer code', async () => {
    const raw = await rawDatabase(backend);
    const db = await raw.open();
    cleanups.push(() => db.close());
    const all = await readMigrations();
    await migrate(db);
    const edited = all.map((m, i) => (i === 0 ? { ...m, checksum: 'x'.repeat(64) } : m));
    await expect(migrate(db, edited)).rejects.toMatchObject({ code: 'MIGRATION_CHANGED' });
    await expect(migrate(db, all.slice(0, -1))).rejects.toMatchObject({ code: 'MIGRATION_UNKNOWN' });
  });

  it('rolls a failing migration back entirely', async () => {
    const raw = await rawDatabase(backend);
    const db = await raw.open();
    cleanups.push(() => db.close());
    const all = await readMigrations();
    const broken = [
      ...all,
      { version: 999, name: 'broken', sql: 'CREATE TABLE ok_one (id int); SELECT nope;', checksum: 'b' },
    ];
    const error = await migrate(db, broken).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CloudError);
    expect(error).toMatchObject({ code: 'MIGRATION_FAILED' });
    expect((error as Error).message).toContain('999-broken.sql');
    expect(await tables(db)).not.toContain('ok_one');
    expect(await tables(db)).not.toContain('events');
  });
});

describe('migrations on postgres, several instances at once', () => {
  it('applies each migration exactly once', async () => {
    const postgres = backendNamed('postgres');
    const created = await postgres.create();
    cleanups.push(created.dispose);
    const dbs = await Promise.all([1, 2, 3].map(() => openPostgresDatabase(created.url as string)));
    cleanups.push(async () => {
      for (const db of dbs) await db.close();
    });
    const results = await Promise.all(dbs.map((db) => migrate(db)));
    const all = await readMigrations();
    expect(results.flat().sort((a, b) => a - b)).toEqual(all.map((m) => m.version));
    const [first] = dbs;
    if (!first) throw new Error('no database');
    const rows = await first.query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations');
    expect(rows[0]?.n).toBe(all.length);
  });
});

describe('PGlite data directory', () => {
  it('keeps what was stored across a restart', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloud-pglite-'));
    cleanups.push(async () => fs.rmSync(dir, { recursive: true, force: true }));
    const first = await openDatabase({ dataDir: dir });
    await first.query(
      "INSERT INTO edges (edge_id, state, status, updated_at) VALUES ('e1', 'online', '{}', now())",
    );
    await first.close();
    const second = await openDatabase({ dataDir: dir });
    cleanups.push(() => second.close());
    expect(await second.query('SELECT edge_id FROM edges')).toEqual([{ edge_id: 'e1' }]);
  });

  it('names the database it could not reach', async () => {
    await expect(openDatabase({ url: 'postgres://nobody@127.0.0.1:1/nothing' })).rejects.toMatchObject({
      code: 'DATABASE_UNREACHABLE',
    });
  });
});
