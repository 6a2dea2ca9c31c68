import type { RoutingConfig, StepDeadlines } from '../config/cloud-config-schema.ts';
import type { Placement } from '../places/place-registry.ts';

export interface Route {
  department: string;
  level: 1 | 2 | 3 | 4;
  /** Index of the rule that matched; undefined for the fallback. */
  rule: number | undefined;
}

/** The first rule for this category whose place and hours match; else the fallback. */
export function routeTicket(routing: RoutingConfig, category: string, placement: Placement, at: Date): Route {
  const places = new Set([placement.gridId, placement.communityId, placement.streetId, placement.districtId]);
  const minute = localMinuteOfDay(at, routing.timezone);
  const index = routing.rules.findIndex(
    (rule) =>
      rule.category === category &&
      (rule.place === undefined || places.has(rule.place)) &&
      (rule.hours === undefined || withinHours(minute, rule.hours.from, rule.hours.to)),
  );
  const chosen = index >= 0 ? routing.rules[index] : undefined;
  const { department, level } = chosen ?? routing.fallback;
  return { department, level: level as Route['level'], rule: index >= 0 ? index : undefined };
}

/** Minutes the steps may take at this level. */
export function deadlinesFor(routing: RoutingConfig, level: number): StepDeadlines {
  return routing.levels[String(level) as '1' | '2' | '3' | '4'];
}

function toMinutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return (h as number) * 60 + (m as number);
}

function withinHours(minute: number, from: string, to: string): boolean {
  const start = toMinutes(from);
  const end = toMinutes(to);
  return start <= end ? minute >= start && minute < end : minute >= start || minute < end;
}

/**
 * One formatter per time zone, and the last answer: making a formatter costs far more than using
 * it, and ingest routes a batch's new tickets all at one time.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();
let last = { key: '', minute: 0 };

export function localMinuteOfDay(at: Date, timeZone: string): number {
  const key = `${timeZone}@${Math.floor(at.getTime() / 60_000)}`;
  if (key === last.key) return last.minute;
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, format);
  }
  const parts = format.formatToParts(at);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  last = { key, minute: get('hour') * 60 + get('minute') };
  return last.minute;
}
