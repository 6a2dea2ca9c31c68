import type { Queryable } from '../db/database.ts';

type Row = Record<string, unknown>;

/** One saved version of an edge's desired configuration (migration 013). */
export interface StoredEdgeConfig {
  edgeId: string;
  version: number;
  config: Record<string, unknown>;
  sha256: string;
  savedBy: string;
  role: string;
  savedAt: Date;
  note: string | null;
}

export type EdgeConfigSummary = Omit<StoredEdgeConfig, 'config'>;

const SUMMARY = 'edge_id, version, sha256, saved_by, role, saved_at, note';

function summary(r: Row): EdgeConfigSummary {
  return {
    edgeId: String(r.edge_id),
    version: Number(r.version),
    sha256: String(r.sha256),
    savedBy: String(r.saved_by),
    role: String(r.role),
    savedAt: new Date(r.saved_at as string | Date),
    note: r.note == null ? null : String(r.note),
  };
}

/** Desired configurations of the edges, one row per saved version. */
export class FleetConfigRepository {
  constructor(private readonly db: Queryable) {}

  /**
   * Stores the next version of an edge's configuration. Two saves at once cannot both take one
   * number: the primary key refuses the second, whose transaction then fails and is retried by
   * the caller's user.
   */
  async insertNext(entry: Omit<StoredEdgeConfig, 'version'>): Promise<StoredEdgeConfig> {
    const [row] = await this.db.query<Row>(
      `INSERT INTO edge_configs (edge_id, version, config, sha256, saved_by, role, saved_at, note)
       SELECT $1, COALESCE(max(version), 0) + 1, $2, $3, $4, $5, $6, $7
         FROM edge_configs WHERE edge_id = $1
       RETURNING version`,
      [
        entry.edgeId,
        JSON.stringify(entry.config),
        entry.sha256,
        entry.savedBy,
        entry.role,
        entry.savedAt,
        entry.note,
      ],
    );
    return { ...entry, version: Number(row?.version) };
  }

  /** A version, or the newest when `version` is absent; undefined when there is none. */
  async get(edgeId: string, version?: number): Promise<StoredEdgeConfig | undefined> {
    const [row] = await this.db.query<Row>(
      `SELECT ${SUMMARY}, config FROM edge_configs
        WHERE edge_id = $1 AND ($2::integer IS NULL OR version = $2)
        ORDER BY version DESC LIMIT 1`,
      [edgeId, version ?? null],
    );
    return row ? { ...summary(row), config: row.config as Record<string, unknown> } : undefined;
  }

  /** Every version of an edge, newest first, without the bodies. */
  async history(edgeId: string): Promise<EdgeConfigSummary[]> {
    const rows = await this.db.query<Row>(
      `SELECT ${SUMMARY} FROM edge_configs WHERE edge_id = $1 ORDER BY version DESC`,
      [edgeId],
    );
    return rows.map(summary);
  }

  /** The newest version of every edge that has one. */
  async latestOfEach(): Promise<EdgeConfigSummary[]> {
    const rows = await this.db.query<Row>(
      `SELECT DISTINCT ON (edge_id) ${SUMMARY} FROM edge_configs ORDER BY edge_id, version DESC`,
    );
    return rows.map(summary);
  }
}
