import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Database } from '../../../cloud/db/database.ts';
import { openDatabase } from '../../../cloud/db/open-database.ts';

/**
 * The two database backends every storage test runs on: PGlite in memory, and a throwaway
 * database on the machine's PostgreSQL (127.0.0.1:5432, user postgres), dropped afterwards.
 */
export const POSTGRES_ADMIN_URL =
  process.env.CLOUD_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  db: Database;
  /** For PostgreSQL, the throwaway database's URL. */
  url?: string;
  dispose(): Promise<void>;
}

export interface Backend {
  name: 'pglite' | 'postgres';
  /** A fresh, migrated database. */
  open(): Promise<TestDatabase>;
  /** A fresh empty database (for migration tests): its URL, or undefined for PGlite memory. */
  create(): Promise<{ url?: string; dispose(): Promise<void> }>;
}

async function createPostgresDatabase(): Promise<{ url: string; dispose(): Promise<void> }> {
  const name = `cloud_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async dispose() {
      const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

export const backends: Backend[] = [
  {
    name: 'pglite',
    async open() {
      const db = await openDatabase({});
      return { db, dispose: () => db.close() };
    },
    async create() {
      return { dispose: async () => {} };
    },
  },
  {
    name: 'postgres',
    async open() {
      const created = await createPostgresDatabase();
      const db = await openDatabase({ url: created.url });
      return {
        db,
        url: created.url,
        async dispose() {
          await db.close();
          await created.dispose();
        },
      };
    },
    create: createPostgresDatabase,
  },
];
