import type { CloudStore } from '../repositories/cloud-store.ts';
import type { FalseAlarmRow, GroupKey, StatisticsRow } from '../statistics/statistics-schema.ts';

/** Ticket statistics: counts, closure and on-time rates, step times, false alarms. */
export class StatisticsService {
  constructor(private readonly store: CloudStore) {}

  tickets(
    groupBy: readonly GroupKey[],
    range: { from?: Date | undefined; to?: Date | undefined },
  ): Promise<StatisticsRow[]> {
    return this.store.statistics.tickets(groupBy, range);
  }

  falseAlarms(): Promise<FalseAlarmRow[]> {
    return this.store.statistics.falseAlarms();
  }
}
