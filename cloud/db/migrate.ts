import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CloudError } from '../errors.ts';
import type { Database } from './database.ts';

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

export const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

/** Any stable number: every cloud instance takes the same advisory lock while it migrates. */
const MIGRATION_LOCK_KEY = 7_311_2026;

/** `NNN-name.sql` files of `dir`, in version order. */
export async function readMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  const migrations: Migration[] = [];
  for (const file of files) {
    const match = /^(\d+)-([a-z0-9-]+)\.sql$/.exec(file);
    if (!match) throw new CloudError('MIGRATION_FAILED', `${file}: migration files are named NNN-name.sql`);
    const sql = await readFile(path.join(dir, file), 'utf8');
    migrations.push({
      version: Number(match[1]),
      name: match[2] as string,
      sql,
      checksum: createHash('sha256').update(sql).digest('hex'),
    });
  }
  return migrations;
}

/**
 * Applies the migrations this database lacks, all in one transaction under an advisory lock, so
 * that instances starting together apply each exactly once and a failure leaves nothing half done. Refuses a database whose
 * applied migrations were edited since (MIGRATION_CHANGED) or that a newer version migrated
 * (MIGRATION_UNKNOWN). Returns the versions applied now.
 */
export async function migrate(db: Database, migrations?: readonly Migration[]): Promise<number[]> {
  const all = migrations ?? (await readMigrations());
  const applied: number[] = [];
  await db.transaction(async (tx) => {
    // Taken before the table exists: CREATE TABLE IF NOT EXISTS itself races between instances.
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const rows = await tx.query<{ version: number; name: string; checksum: string }>(
      'SELECT version, name, checksum FROM schema_migrations ORDER BY version',
    );
    const known = new Map(all.map((m) => [m.version, m]));
    for (const row of rows) {
      const migration = known.get(row.version);
      if (!migration) {
        throw new CloudError(
          'MIGRATION_UNKNOWN',
          `the database has migration ${row.version} (${row.name}), which this code does not have`,
          { version: row.version },
        );
      }
      if (migration.checksum !== row.checksum) {
        throw new CloudError(
          'MIGRATION_CHANGED',
          `migration ${row.version}-${row.name}.sql was edited after it was applied; add a new migration instead`,
          { version: row.version },
        );
      }
    }
    const done = new Set(rows.map((r) => r.version));
    for (const migration of all) {
      if (done.has(migration.version)) continue;
      try {
        await tx.exec(migration.sql);
      } catch (error) {
        throw new CloudError(
          'MIGRATION_FAILED',
          `migration ${migration.version}-${migration.name}.sql failed: ${(error as Error).message}`,
          { version: migration.version },
          { cause: error },
        );
      }
      await tx.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
        migration.version,
        migration.name,
        migration.checksum,
      ]);
      applied.push(migration.version);
    }
  });
  return applied;
}
