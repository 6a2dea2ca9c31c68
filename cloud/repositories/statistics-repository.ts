import type { Queryable } from '../db/database.ts';
import type { FalseAlarmRow, GroupKey, StatisticsRow } from '../statistics/statistics-schema.ts';

const COLUMN: Record<GroupKey, string> = {
  district: 'district_id',
  street: 'street_id',
  community: 'community_id',
  grid: 'grid_id',
  category: 'category',
  department: 'department',
  source: 'source',
};

const ratio = (a: number, b: number) => (b > 0 ? a / b : null);
const minutes = (v: unknown) => (v == null ? null : Math.round(Number(v) * 100) / 100);

const FIRST = (action: string) =>
  `(SELECT min(x.at) FROM ticket_transitions x WHERE x.ticket_id = tk.id AND x.action = '${action}')`;

export class StatisticsRepository {
  constructor(private readonly db: Queryable) {}

  async tickets(
    groupBy: readonly GroupKey[],
    range: { from?: Date | undefined; to?: Date | undefined },
  ): Promise<StatisticsRow[]> {
    const keys = groupBy.map((k) => `${COLUMN[k]} AS "${k}"`);
    const groupCols = groupBy.map((_, i) => String(i + 1));
    const rows = await this.db.query<Record<string, unknown>>(
      `WITH t AS (
         SELECT tk.*, ${FIRST('dispatch')} AS dispatched_at, ${FIRST('accept')} AS accepted_at,
                ${FIRST('handle')} AS handled_at, ${FIRST('close')} AS verified_at,
                EXISTS (SELECT 1 FROM escalations e WHERE e.ticket_id = tk.id) AS escalated
           FROM tickets tk
          WHERE ($1::timestamptz IS NULL OR tk.created_at >= $1) AND ($2::timestamptz IS NULL OR tk.created_at < $2))
       SELECT ${[...keys, ''].join(', ')}
         count(*)::int AS total,
         count(*) FILTER (WHERE state NOT IN ('closed', 'assessed', 'rejected', 'merged'))::int AS open,
         count(*) FILTER (WHERE state IN ('closed', 'assessed'))::int AS closed,
         count(*) FILTER (WHERE state = 'rejected')::int AS rejected,
         count(*) FILTER (WHERE state = 'merged')::int AS merged,
         count(*) FILTER (WHERE overdue)::int AS overdue_now,
         count(*) FILTER (WHERE state IN ('closed', 'assessed') AND NOT escalated)::int AS closed_on_time,
         avg(extract(epoch FROM dispatched_at - created_at)) / 60 AS dispatch,
         avg(extract(epoch FROM accepted_at - dispatched_at)) / 60 AS accept,
         avg(extract(epoch FROM handled_at - accepted_at)) / 60 AS handle,
         avg(extract(epoch FROM verified_at - handled_at)) / 60 AS verify
         FROM t ${groupCols.length ? `GROUP BY ${groupCols.join(', ')} ORDER BY ${groupCols.join(', ')}` : ''}`,
      [range.from ?? null, range.to ?? null],
    );
    return rows.map((r) => {
      const total = Number(r.total);
      const closed = Number(r.closed);
      const rejected = Number(r.rejected);
      const merged = Number(r.merged);
      return {
        group: Object.fromEntries(groupBy.map((k) => [k, (r[k] as string | null) ?? null])),
        total,
        open: Number(r.open),
        closed,
        rejected,
        merged,
        overdueNow: Number(r.overdue_now),
        closureRate: ratio(closed, total - rejected - merged),
        onTimeRate: ratio(Number(r.closed_on_time), closed),
        meanMinutes: {
          dispatch: minutes(r.dispatch),
          accept: minutes(r.accept),
          handle: minutes(r.handle),
          verify: minutes(r.verify),
        },
      };
    });
  }

  async falseAlarms(): Promise<FalseAlarmRow[]> {
    const rows = await this.db.query<{
      by: 'camera' | 'model';
      key: string;
      ai: number;
      confirmed: number;
      rejected: number;
    }>(
      `WITH t AS (
         SELECT tk.camera_id, tk.model_name || '@' || tk.model_version AS model, tk.state,
                EXISTS (SELECT 1 FROM ticket_transitions x WHERE x.ticket_id = tk.id AND x.action = 'confirm') AS confirmed
           FROM tickets tk WHERE tk.source = 'ai')
       SELECT 'camera' AS by, camera_id AS key, count(*)::int AS ai,
              count(*) FILTER (WHERE confirmed)::int AS confirmed, count(*) FILTER (WHERE state = 'rejected')::int AS rejected
         FROM t GROUP BY camera_id
       UNION ALL
       SELECT 'model', model, count(*)::int, count(*) FILTER (WHERE confirmed)::int,
              count(*) FILTER (WHERE state = 'rejected')::int
         FROM t GROUP BY model
       ORDER BY 1, 2`,
    );
    return rows.map((r) => ({
      by: r.by,
      key: r.key,
      aiTickets: r.ai,
      confirmed: r.confirmed,
      rejected: r.rejected,
      falseAlarmRate: ratio(r.rejected, r.confirmed + r.rejected),
    }));
  }
}
