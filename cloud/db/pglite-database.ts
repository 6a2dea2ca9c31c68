import { PGlite } from '@electric-sql/pglite';
import type { Database, Queryable } from './database.ts';

export interface PgliteOptions {
  /** A folder (created if absent); absent: in memory. */
  dataDir?: string | undefined;
  /** Start from this dump (`dumpPgliteDatabase`) instead of an empty cluster: skips initdb. */
  loadDataDir?: Blob | undefined;
}

/** Embedded Postgres (PGlite). */
export async function openPgliteDatabase(
  options: PgliteOptions = {},
): Promise<Database & { dump(): Promise<Blob> }> {
  const db = await PGlite.create({
    dataDir: options.dataDir ?? 'memory://',
    ...(options.loadDataDir ? { loadDataDir: options.loadDataDir } : {}),
  });
  const wrap = (target: Pick<PGlite, 'query' | 'exec'>): Queryable => ({
    async query<Row>(sql: string, params: readonly unknown[] = []) {
      const result = await target.query<Row>(sql, params as unknown[]);
      return result.rows;
    },
    async exec(sql: string) {
      await target.exec(sql);
    },
  });
  return {
    kind: 'pglite',
    ...wrap(db),
    transaction: (work) => db.transaction((tx) => work(wrap(tx))),
    close: () => db.close(),
    dump: () => db.dumpDataDir('none'),
  };
}
