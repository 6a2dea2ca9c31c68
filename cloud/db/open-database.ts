import { CloudError } from '../errors.ts';
import type { Database } from './database.ts';
import { migrate } from './migrate.ts';
import { openPgliteDatabase } from './pglite-database.ts';
import { openPostgresDatabase } from './postgres-database.ts';

/** `url` (postgres://…) selects PostgreSQL; otherwise PGlite in `dataDir`, or in memory without one. */
export interface DatabaseSettings {
  url?: string | undefined;
  dataDir?: string | undefined;
  /** PGlite only: start from a dump of a database (tests clone a migrated template this way). */
  loadDataDir?: Blob | undefined;
}

/** Opens the configured database and brings its schema up to date. */
export async function openDatabase(settings: DatabaseSettings): Promise<Database> {
  let db: Database;
  try {
    db = settings.url ? await openPostgresDatabase(settings.url) : await openPgliteDatabase(settings);
  } catch (error) {
    const where = settings.url ? redact(settings.url) : (settings.dataDir ?? 'memory');
    throw new CloudError(
      'DATABASE_UNREACHABLE',
      `${where}: ${(error as Error).message}`,
      {},
      { cause: error },
    );
  }
  try {
    await migrate(db);
  } catch (error) {
    await db.close().catch(() => {});
    throw error;
  }
  return db;
}

function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}
