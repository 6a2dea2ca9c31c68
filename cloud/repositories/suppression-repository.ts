import type { Rejection } from '../../foundation/suppression/learn-regions.ts';
import type { NormalisedBox } from '../../foundation/suppression/suppression-region.ts';
import type { Queryable } from '../db/database.ts';

type Row = Record<string, unknown>;
const iso = (value: unknown) => new Date(value as string | Date).toISOString();

export interface RejectionFilter {
  edgeId?: string | undefined;
  cameraId?: string | undefined;
}

/** A region a supervisor removed: its rejections make no region again. */
export interface SuppressionRemoval {
  regionId: string;
  edgeId: string;
  cameraId: string;
  label: string;
  box: NormalisedBox;
  rejectionKeys: readonly string[];
  removedBy: string;
  role: string;
  removedAt: Date;
}

/** The "not an object" boxes of the current labels, removals and edges' matches: migrations 011, 012. */
export class SuppressionRepository {
  constructor(private readonly db: Queryable) {}

  /**
   * Every AI box a snapshot's current labels call "not an object", with its camera and when it was
   * first rejected (a later revision that keeps the verdict does not move it).
   */
  async rejections(filter: RejectionFilter): Promise<Rejection[]> {
    const rows = await this.db.query<Row>(
      `WITH latest AS (
         SELECT DISTINCT ON (snapshot_sha256) id, snapshot_sha256, event_id
           FROM label_sets ORDER BY snapshot_sha256, revision DESC)
       SELECT l.snapshot_sha256, l.event_id, e.edge_id, e.camera_id, b.object_index, b.ai_label,
              b.x1, b.y1, b.x2, b.y2,
              (SELECT min(s2.labelled_at) FROM label_sets s2
                 JOIN label_boxes b2 ON b2.label_set_id = s2.id
                WHERE s2.snapshot_sha256 = l.snapshot_sha256 AND b2.object_index = b.object_index
                  AND b2.verdict = 'not_object') AS rejected_at
         FROM latest l
         JOIN events e ON e.event_id = l.event_id
         JOIN label_boxes b ON b.label_set_id = l.id AND b.verdict = 'not_object'
        WHERE ($1::text IS NULL OR e.edge_id = $1) AND ($2::text IS NULL OR e.camera_id = $2)
          AND b.ai_label IS NOT NULL`,
      [filter.edgeId ?? null, filter.cameraId ?? null],
    );
    return rows.map((r) => ({
      key: `${r.snapshot_sha256}:${r.object_index}`,
      snapshotSha256: String(r.snapshot_sha256),
      eventId: String(r.event_id),
      edgeId: String(r.edge_id),
      cameraId: String(r.camera_id),
      label: String(r.ai_label),
      box: [Number(r.x1), Number(r.y1), Number(r.x2), Number(r.y2)],
      rejectedAt: iso(r.rejected_at),
    }));
  }

  async removals(filter: RejectionFilter): Promise<SuppressionRemoval[]> {
    const rows = await this.db.query<Row>(
      `SELECT * FROM suppression_removals
        WHERE ($1::text IS NULL OR edge_id = $1) AND ($2::text IS NULL OR camera_id = $2)
        ORDER BY removed_at`,
      [filter.edgeId ?? null, filter.cameraId ?? null],
    );
    return rows.map((r) => ({
      regionId: String(r.region_id),
      edgeId: String(r.edge_id),
      cameraId: String(r.camera_id),
      label: String(r.label),
      box: r.box as NormalisedBox,
      rejectionKeys: r.rejection_keys as string[],
      removedBy: String(r.removed_by),
      role: String(r.role),
      removedAt: new Date(r.removed_at as string),
    }));
  }

  /** Stores a removal; false when the region was removed already. */
  async remove(removal: SuppressionRemoval): Promise<boolean> {
    const rows = await this.db.query(
      `INSERT INTO suppression_removals
         (region_id, edge_id, camera_id, label, box, rejection_keys, removed_by, role, removed_at)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) ON CONFLICT (region_id) DO NOTHING RETURNING region_id`,
      [
        removal.regionId,
        removal.edgeId,
        removal.cameraId,
        removal.label,
        JSON.stringify(removal.box),
        removal.rejectionKeys,
        removal.removedBy,
        removal.role,
        removal.removedAt,
      ],
    );
    return rows.length > 0;
  }

  /** The snapshot of the camera's latest event that has one. */
  async latestSnapshot(
    edgeId: string,
    cameraId: string,
  ): Promise<{ sha256: string; observedAt: string } | undefined> {
    const [row] = await this.db.query<Row>(
      `SELECT payload -> 'evidence' -> 'snapshot' ->> 'sha256' AS sha256, observed_at FROM events
        WHERE edge_id = $1 AND camera_id = $2 AND source = 'camera'
          AND payload -> 'evidence' -> 'snapshot' ->> 'sha256' IS NOT NULL
        ORDER BY observed_at DESC LIMIT 1`,
      [edgeId, cameraId],
    );
    return row ? { sha256: String(row.sha256), observedAt: iso(row.observed_at) } : undefined;
  }

  /** When each region last matched, as its edge reported. */
  async matches(regionIds: readonly string[]): Promise<Map<string, Date>> {
    if (regionIds.length === 0) return new Map();
    const rows = await this.db.query<Row>(
      'SELECT region_id, last_matched_at FROM suppression_matches WHERE region_id = ANY($1::text[])',
      [regionIds],
    );
    return new Map(rows.map((r) => [String(r.region_id), new Date(r.last_matched_at as string)]));
  }

  /** Keeps the later of the stored and the reported time of each region's last match. */
  async recordMatch(edgeId: string, regionId: string, at: Date): Promise<void> {
    await this.db.query(
      `INSERT INTO suppression_matches (region_id, edge_id, last_matched_at) VALUES ($1,$2,$3)
       ON CONFLICT (region_id) DO UPDATE
         SET last_matched_at = GREATEST(suppression_matches.last_matched_at, EXCLUDED.last_matched_at)`,
      [regionId, edgeId, at],
    );
  }
}
