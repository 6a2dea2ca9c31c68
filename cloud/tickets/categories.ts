/**
 * What a ticket is about: an AI event type (contract/events.ts) or a category reported by people
 * (grid-worker patrol, 12345 hotline, citizens). Both are Open311 service codes.
 */
export const REPORT_CATEGORIES = [
  'road_damage',
  'garbage',
  'illegal_parking',
  'noise',
  'street_vending_report',
  'illegal_construction_report',
  'other',
] as const;
export type ReportCategory = (typeof REPORT_CATEGORIES)[number];

export const TICKET_SOURCES = ['ai', 'grid_worker', 'hotline', 'citizen'] as const;
export type TicketSource = (typeof TICKET_SOURCES)[number];
