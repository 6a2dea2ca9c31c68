import { z } from 'zod';

/**
 * Hours of the day as configs write them: local times "HH:MM" at a fixed offset from UTC (China:
 * +480 minutes), `from` inclusive, `to` exclusive; `from` after `to` wraps midnight
 * ("22:00"–"06:00").
 */
const Clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a local time "HH:MM"');
export const HoursSchema = z
  .strictObject({ from: Clock, to: Clock })
  .refine((h) => h.from !== h.to, { message: 'from and to are the same: leave hours out for all day' });
export type Hours = z.infer<typeof HoursSchema>;

const minutesOf = (clock: string) => Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3, 5));

/** The local time `atMs` falls on, `utcOffsetMinutes` east of UTC: its date (YYYY-MM-DD) and minute of the day. */
export function localTime(atMs: number, utcOffsetMinutes: number): { date: string; minute: number } {
  const local = new Date(atMs + utcOffsetMinutes * 60_000);
  return {
    date: local.toISOString().slice(0, 10),
    minute: local.getUTCHours() * 60 + local.getUTCMinutes(),
  };
}

/** Whether a minute of the local day falls within the hours. */
export function withinHours(minuteOfDay: number, hours: Hours): boolean {
  const from = minutesOf(hours.from);
  const to = minutesOf(hours.to);
  return from < to ? minuteOfDay >= from && minuteOfDay < to : minuteOfDay >= from || minuteOfDay < to;
}
