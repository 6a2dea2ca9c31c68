import type { Queryable } from '../db/database.ts';
import { type Permit, PermitSchema, type PermitView } from '../permits/permit-schema.ts';

export type PermitEditAction = 'put' | 'delete' | 'upload' | 'file';

export interface PermitEdit {
  id: number;
  plate: string;
  action: PermitEditAction;
  before: Permit | null;
  after: Permit | null;
  at: string;
  by: string;
}

export interface PermitLoad {
  source: 'upload' | 'file';
  /** The file's path, or the uploader's name for the body. */
  name: string;
  sha256: string;
  permits: number;
  added: number;
  changed: number;
  removed: number;
  at: string;
  by: string;
}

type Row = Record<string, unknown>;
const iso = (value: unknown) => new Date(value as string | Date).toISOString();

/** A stored permit; rows that no longer match the schema (a newer version wrote them) are skipped. */
function permitOf(value: unknown): Permit | undefined {
  const parsed = PermitSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

function viewOf(row: Row): PermitView | undefined {
  const permit = permitOf(row.permit);
  return permit && { ...permit, updatedAt: iso(row.updated_at), updatedBy: String(row.updated_by) };
}

export class PermitRepository {
  constructor(private readonly db: Queryable) {}

  /** Until the transaction ends, no other one changes the registry (on any instance). */
  async lockEdits(): Promise<void> {
    await this.db.query('SELECT pg_advisory_xact_lock(hashtext($1))', ['permit-edits']);
  }

  async count(): Promise<number> {
    const rows = await this.db.query<{ n: number }>('SELECT count(*)::int AS n FROM permits');
    return rows[0]?.n ?? 0;
  }

  async list(filter: {
    company?: string | undefined;
    limit: number;
    offset: number;
  }): Promise<{ permits: PermitView[]; total: number }> {
    const where = filter.company === undefined ? '' : "WHERE permit->>'company' = $3";
    const params: unknown[] = [filter.limit, filter.offset];
    if (filter.company !== undefined) params.push(filter.company);
    const rows = await this.db.query<Row>(
      `SELECT * FROM permits ${where} ORDER BY plate LIMIT $1 OFFSET $2`,
      params,
    );
    const total = await this.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM permits ${where.replace('$3', '$1')}`,
      params.slice(2),
    );
    return { permits: rows.flatMap((r) => viewOf(r) ?? []), total: total[0]?.n ?? 0 };
  }

  async get(plate: string): Promise<PermitView | undefined> {
    const rows = await this.db.query<Row>('SELECT * FROM permits WHERE plate = $1', [plate]);
    return rows[0] ? viewOf(rows[0]) : undefined;
  }

  /** The permits of these plates (those that have one). */
  async byPlates(plates: readonly string[]): Promise<Map<string, Permit>> {
    if (plates.length === 0) return new Map();
    const rows = await this.db.query<Row>('SELECT permit FROM permits WHERE plate = ANY($1::text[])', [
      plates,
    ]);
    const found = rows.flatMap((r) => permitOf(r.permit) ?? []);
    return new Map(found.map((p) => [p.plate, p]));
  }

  async all(): Promise<Map<string, Permit>> {
    const rows = await this.db.query<Row>('SELECT permit FROM permits');
    const found = rows.flatMap((r) => permitOf(r.permit) ?? []);
    return new Map(found.map((p) => [p.plate, p]));
  }

  /** Adds or replaces a permit, with its audit row (`before`: what it replaced, if anything). */
  async put(
    permit: Permit,
    before: Permit | undefined,
    action: PermitEditAction,
    by: string,
    at: Date,
  ): Promise<void> {
    await this.db.query(
      `INSERT INTO permits (plate, permit, updated_at, updated_by) VALUES ($1,$2,$3,$4)
       ON CONFLICT (plate) DO UPDATE SET permit = $2, updated_at = $3, updated_by = $4`,
      [permit.plate, JSON.stringify(permit), at, by],
    );
    await this.audit(permit.plate, action, before, permit, by, at);
  }

  /** Removes a permit, with its audit row. */
  async remove(before: Permit, action: PermitEditAction, by: string, at: Date): Promise<void> {
    await this.db.query('DELETE FROM permits WHERE plate = $1', [before.plate]);
    await this.audit(before.plate, action, before, undefined, by, at);
  }

  private async audit(
    plate: string,
    action: PermitEditAction,
    before: Permit | undefined,
    after: Permit | undefined,
    by: string,
    at: Date,
  ): Promise<void> {
    await this.db.query(
      `INSERT INTO permit_edits (plate, action, before, after, at, edited_by) VALUES ($1,$2,$3,$4,$5,$6)`,
      [plate, action, before ? JSON.stringify(before) : null, after ? JSON.stringify(after) : null, at, by],
    );
  }

  /** The changes of one plate's permit, oldest first. */
  async history(plate: string): Promise<PermitEdit[]> {
    const rows = await this.db.query<Row>('SELECT * FROM permit_edits WHERE plate = $1 ORDER BY id', [plate]);
    return rows.map((r) => ({
      id: Number(r.id),
      plate: String(r.plate),
      action: r.action as PermitEditAction,
      before: permitOf(r.before) ?? null,
      after: permitOf(r.after) ?? null,
      at: iso(r.at),
      by: String(r.edited_by),
    }));
  }

  async appendLoad(load: Omit<PermitLoad, 'at'>, at: Date): Promise<void> {
    await this.db.query(
      `INSERT INTO permit_loads (source, name, sha256, permits, added, changed, removed, at, loaded_by)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`,
      [
        load.source,
        load.name,
        load.sha256,
        load.permits,
        load.added,
        load.changed,
        load.removed,
        at,
        load.by,
      ],
    );
  }

  /** The latest whole registry taken in, of `source` when given. */
  async lastLoad(source?: PermitLoad['source']): Promise<PermitLoad | undefined> {
    const rows = await this.db.query<Row>(
      `SELECT * FROM permit_loads ${source ? 'WHERE source = $1' : ''} ORDER BY id DESC LIMIT 1`,
      source ? [source] : [],
    );
    const r = rows[0];
    if (!r) return undefined;
    return {
      source: r.source as PermitLoad['source'],
      name: String(r.name),
      sha256: String(r.sha256),
      permits: Number(r.permits),
      added: Number(r.added),
      changed: Number(r.changed),
      removed: Number(r.removed),
      at: iso(r.at),
      by: String(r.loaded_by),
    };
  }
}
