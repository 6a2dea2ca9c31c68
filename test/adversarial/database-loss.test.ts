// Issue 18, "Database loss": PostgreSQL dropping the cloud's connection in the middle of a
// transaction (a restart, a failover, an administrator) fails that transaction, and only that:
// the process lives on and the next transaction runs on a fresh connection. Found by the soak,
// where the cloud died of an unheard 'error' event when the database stopped.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../cloud/db/database.ts';
import { openPostgresDatabase } from '../../cloud/db/postgres-database.ts';
import { backendNamed, POSTGRES_ADMIN_URL } from '../cloud/support/databases.ts';

describe('the cloud database when PostgreSQL drops its connection mid-transaction', () => {
  let db: Database;
  let dispose: () => Promise<void>;

  beforeAll(async () => {
    const created = await backendNamed('postgres').create();
    dispose = created.dispose;
    db = await openPostgresDatabase(created.url as string, 2);
  });
  afterAll(async () => {
    await db?.close();
    await dispose?.();
  });

  it('fails that transaction with the server error, and the next one succeeds', async () => {
    const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
    await admin.connect();
    try {
      const failed = db.transaction(async (tx) => {
        const [row] = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        // Between two statements, as when the server stops while a message is being stored.
        await admin.query('SELECT pg_terminate_backend($1)', [row?.pid]);
        await new Promise((resolve) => setTimeout(resolve, 300));
        await tx.query('SELECT 2');
      });
      await expect(failed).rejects.toThrow(/terminat|Connection|closed/i);
      for (let i = 0; i < 3; i++) {
        const rows = await db.transaction((tx) => tx.query<{ n: number }>('SELECT $1::int AS n', [i]));
        expect(rows).toEqual([{ n: i }]);
      }
    } finally {
      await admin.end();
    }
  });
});
