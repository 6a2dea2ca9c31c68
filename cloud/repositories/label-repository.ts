import type { EdgeEvent } from '../../foundation/contract/events.ts';
import type { Queryable } from '../db/database.ts';
import type { DrawnBox, LabelRevision, LabelSet, ObjectLabel, Review } from '../labels/label-schema.ts';

type Row = Record<string, unknown>;
const iso = (value: unknown) => new Date(value as string | Date).toISOString();

/** The event a snapshot was taken on, with the cloud incident and ticket it belongs to. */
export interface SnapshotEvent {
  event: EdgeEvent;
  incidentId: number | null;
  ticketId: number | null;
}

/** A revision to store: the judged AI boxes carry the AI's label, score and box as they were. */
export interface NewLabelSet {
  snapshotSha256: string;
  eventId: string;
  revision: number;
  labelledBy: string;
  role: string;
  source: LabelRevision['source'];
  note: string | null;
  at: Date;
  objects: readonly ObjectLabel[];
  drawn: readonly DrawnBox[];
  aiObjects: readonly { label: string; score: number; box: readonly number[] }[];
}

/** A snapshot's current labels with what an export needs of its event, incident and ticket. */
export interface LabelledSnapshot extends SnapshotEvent {
  labels: LabelSet;
}

export interface LabelledFilter {
  cameraId?: string | undefined;
  since?: Date | undefined;
  /** A scenario's name, or an event type. */
  scenario?: string | undefined;
}

const revisionOf = (r: Row): LabelRevision => ({
  revision: Number(r.revision),
  labelledBy: String(r.labelled_by),
  role: String(r.role),
  source: r.source as LabelRevision['source'],
  note: r.note == null ? null : String(r.note),
  labelledAt: iso(r.labelled_at),
});

/** Label revisions (label_sets) and their boxes (label_boxes): migration 011. */
export class LabelRepository {
  constructor(private readonly db: Queryable) {}

  /** The earliest event that carries `sha256` as its snapshot: the one it was taken on. */
  async snapshotEvent(sha256: string): Promise<SnapshotEvent | undefined> {
    const [row] = await this.db.query<Row>(
      `SELECT e.payload, e.incident_id, t.id AS ticket_id FROM events e
         LEFT JOIN tickets t ON t.incident_id = e.incident_id
        WHERE e.payload -> 'evidence' -> 'snapshot' ->> 'sha256' = $1 AND e.source = 'camera'
        ORDER BY e.sequence, e.observed_at LIMIT 1`,
      [sha256],
    );
    if (!row) return undefined;
    return {
      event: row.payload as EdgeEvent,
      incidentId: row.incident_id == null ? null : Number(row.incident_id),
      ticketId: row.ticket_id == null ? null : Number(row.ticket_id),
    };
  }

  /** Serialises saves of one snapshot's labels until the transaction ends. */
  async lock(sha256: string): Promise<void> {
    await this.db.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`labels:${sha256}`]);
  }

  async revisions(sha256: string): Promise<LabelRevision[]> {
    const rows = await this.db.query<Row>(
      'SELECT * FROM label_sets WHERE snapshot_sha256 = $1 ORDER BY revision DESC',
      [sha256],
    );
    return rows.map(revisionOf);
  }

  async current(sha256: string): Promise<LabelSet | undefined> {
    const [row] = await this.db.query<Row>(
      'SELECT * FROM label_sets WHERE snapshot_sha256 = $1 ORDER BY revision DESC LIMIT 1',
      [sha256],
    );
    if (!row) return undefined;
    const boxes = await this.boxesOf([Number(row.id)]);
    return { ...revisionOf(row), ...(boxes.get(Number(row.id)) ?? { objects: [], drawn: [] }) };
  }

  async append(set: NewLabelSet): Promise<void> {
    const [row] = await this.db.query<{ id: string }>(
      `INSERT INTO label_sets (snapshot_sha256, event_id, revision, labelled_by, role, source, note, labelled_at)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8) RETURNING id`,
      [set.snapshotSha256, set.eventId, set.revision, set.labelledBy, set.role, set.source, set.note, set.at],
    );
    const id = Number(row?.id);
    const boxes = [
      ...set.objects.map((o) => {
        const ai = set.aiObjects[o.index];
        return [o.index, o.verdict, ai?.label, ai?.score, 'label' in o ? o.label : null, ai?.box ?? []];
      }),
      ...set.drawn.map((d) => [null, 'drawn', null, null, d.label, d.box]),
    ];
    for (const [position, [index, verdict, aiLabel, aiScore, label, box]] of boxes.entries()) {
      const [x1, y1, x2, y2] = box as number[];
      await this.db.query(
        `INSERT INTO label_boxes (label_set_id, position, object_index, verdict, ai_label, ai_score, label, x1, y1, x2, y2)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)`,
        [id, position, index, verdict, aiLabel, aiScore, label, x1, y1, x2, y2],
      );
    }
  }

  /** The current labels of every labelled snapshot whose event passes `filter`, oldest first. */
  async labelled(filter: LabelledFilter): Promise<LabelledSnapshot[]> {
    const rows = await this.db.query<Row>(
      `SELECT * FROM (
         SELECT DISTINCT ON (s.snapshot_sha256) s.*, e.payload, e.incident_id, e.observed_at, t.id AS ticket_id
           FROM label_sets s JOIN events e ON e.event_id = s.event_id
           LEFT JOIN tickets t ON t.incident_id = e.incident_id
          WHERE ($1::text IS NULL OR e.camera_id = $1)
            AND ($2::timestamptz IS NULL OR e.observed_at >= $2)
            AND ($3::text IS NULL OR e.type = $3 OR e.payload ->> 'scenario' = $3)
          ORDER BY s.snapshot_sha256, s.revision DESC) latest
        ORDER BY observed_at, snapshot_sha256`,
      [filter.cameraId ?? null, filter.since ?? null, filter.scenario ?? null],
    );
    const boxes = await this.boxesOf(rows.map((r) => Number(r.id)));
    return rows.map((r) => ({
      event: r.payload as EdgeEvent,
      incidentId: r.incident_id == null ? null : Number(r.incident_id),
      ticketId: r.ticket_id == null ? null : Number(r.ticket_id),
      labels: { ...revisionOf(r), ...(boxes.get(Number(r.id)) ?? { objects: [], drawn: [] }) },
    }));
  }

  /** Each ticket's latest review decision (confirm, reject or merge), by ticket id. */
  async reviews(ticketIds: readonly number[]): Promise<Map<number, Review>> {
    if (ticketIds.length === 0) return new Map();
    const rows = await this.db.query<Row>(
      `SELECT DISTINCT ON (ticket_id) ticket_id, action, note, actor, at FROM ticket_transitions
        WHERE ticket_id = ANY($1::bigint[]) AND action IN ('confirm', 'reject', 'merge')
        ORDER BY ticket_id, id DESC`,
      [ticketIds],
    );
    return new Map(
      rows.map((r) => [
        Number(r.ticket_id),
        {
          action: r.action as Review['action'],
          reason: r.note == null ? null : String(r.note),
          actor: String(r.actor),
          at: iso(r.at),
        },
      ]),
    );
  }

  /**
   * Labels worth offering: the AI labels of a camera's latest `recentEvents` events (every camera's
   * when none is named) and every label reviewers used, sorted.
   */
  async knownLabels(cameraId: string | undefined, recentEvents: number): Promise<string[]> {
    const rows = await this.db.query<{ label: string }>(
      `SELECT DISTINCT label FROM (
         SELECT o ->> 'label' AS label FROM (
           SELECT payload FROM events WHERE source = 'camera' AND ($1::text IS NULL OR camera_id = $1)
            ORDER BY observed_at DESC LIMIT $2) recent, jsonb_array_elements(recent.payload -> 'objects') o
         UNION SELECT label FROM label_boxes WHERE label IS NOT NULL) labels
        WHERE label IS NOT NULL ORDER BY label`,
      [cameraId ?? null, recentEvents],
    );
    return rows.map((r) => r.label);
  }

  private async boxesOf(setIds: readonly number[]) {
    const sets = new Map<number, { objects: ObjectLabel[]; drawn: DrawnBox[] }>();
    if (setIds.length === 0) return sets;
    const rows = await this.db.query<Row>(
      'SELECT * FROM label_boxes WHERE label_set_id = ANY($1::bigint[]) ORDER BY label_set_id, position',
      [setIds],
    );
    for (const r of rows) {
      const id = Number(r.label_set_id);
      const set = sets.get(id) ?? { objects: [], drawn: [] };
      sets.set(id, set);
      const index = Number(r.object_index);
      switch (r.verdict) {
        case 'drawn':
          set.drawn.push({
            label: String(r.label),
            box: [Number(r.x1), Number(r.y1), Number(r.x2), Number(r.y2)],
          });
          break;
        case 'wrong_label':
          set.objects.push({ index, verdict: 'wrong_label', label: String(r.label) });
          break;
        default:
          set.objects.push({ index, verdict: r.verdict as 'right' | 'not_object' });
      }
    }
    return sets;
  }
}
