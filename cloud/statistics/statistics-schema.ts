import { z } from 'zod';

/** What ticket statistics may be grouped by. */
export const GROUP_KEYS = [
  'district',
  'street',
  'community',
  'grid',
  'category',
  'department',
  'source',
] as const;
export type GroupKey = (typeof GROUP_KEYS)[number];

export const StatisticsRowSchema = z.object({
  group: z.record(z.string(), z.string().nullable()),
  total: z.number().int(),
  open: z.number().int(),
  closed: z.number().int(),
  rejected: z.number().int(),
  merged: z.number().int(),
  overdueNow: z.number().int(),
  /** closed / (total − rejected − merged); null when nothing counts. */
  closureRate: z.number().nullable(),
  /** closed without any escalation / closed. */
  onTimeRate: z.number().nullable(),
  /** Mean minutes of each step over the tickets that finished it. */
  meanMinutes: z.object({
    dispatch: z.number().nullable(),
    accept: z.number().nullable(),
    handle: z.number().nullable(),
    verify: z.number().nullable(),
  }),
});
export type StatisticsRow = z.infer<typeof StatisticsRowSchema>;

export const FalseAlarmRowSchema = z.object({
  by: z.enum(['camera', 'model']),
  key: z.string(),
  aiTickets: z.number().int(),
  confirmed: z.number().int(),
  rejected: z.number().int(),
  /** rejected / (confirmed + rejected): the share of reviewed AI tickets that were false alarms. */
  falseAlarmRate: z.number().nullable(),
});
export type FalseAlarmRow = z.infer<typeof FalseAlarmRowSchema>;
