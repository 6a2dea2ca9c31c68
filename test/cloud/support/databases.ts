import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { Database } from '../../../cloud/db/database.ts';
import { readMigrations } from '../../../cloud/db/migrate.ts';
import { openDatabase } from '../../../cloud/db/open-database.ts';
import { openPgliteDatabase } from '../../../cloud/db/pglite-database.ts';

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

/**
 * A PGlite cluster's initdb takes seconds of CPU; loading a dump takes one. Tests start from a
 * dump kept in the temp folder: `empty` (a fresh cluster) or `migrated` (the current migrations
 * applied), keyed by the PGlite version and the migrations' checksums so a change rebuilds it.
 */
export async function pgliteTemplate(kind: 'empty' | 'migrated'): Promise<{ loadDataDir: Blob }> {
  const require = createRequire(import.meta.url);
  const pgliteDir = path.dirname(require.resolve('@electric-sql/pglite'));
  const version = JSON.parse(fs.readFileSync(path.join(pgliteDir, '..', 'package.json'), 'utf8'))
    .version as string;
  const migrations = kind === 'migrated' ? (await readMigrations()).map((m) => m.checksum).join() : '';
  const key = createHash('sha256').update(`${version}:${kind}:${migrations}`).digest('hex').slice(0, 16);
  const file = path.join(os.tmpdir(), `cloud-test-pglite-${kind}-${key}.tar`);
  if (!fs.existsSync(file)) {
    const db = kind === 'migrated' ? await openDatabase({}) : await openPgliteDatabase();
    const dump = await (db as Awaited<ReturnType<typeof openPgliteDatabase>>).dump();
    await db.close();
    const partial = `${file}.${process.pid}`;
    fs.writeFileSync(partial, Buffer.from(await dump.arrayBuffer()));
    fs.renameSync(partial, file);
  }
  return { loadDataDir: new Blob([fs.readFileSync(file)]) };
}

export const backends: Backend[] = [
  {
    name: 'pglite',
    async open() {
      const db = await openDatabase(await pgliteTemplate('migrated'));
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

/** The backend of that name (throws when it is not configured). */
export function backendNamed(name: Backend['name']): Backend {
  const backend = backends.find((b) => b.name === name);
  if (!backend) throw new Error(`no ${name} backend`);
  return backend;
}
