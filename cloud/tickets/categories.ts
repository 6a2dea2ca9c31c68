import { z } from 'zod';
import { DeviceEventTypeSchema, EventTypeSchema } from '../../foundation/contract/events.ts';

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

export const CategorySchema = z.union([EventTypeSchema, DeviceEventTypeSchema, z.enum(REPORT_CATEGORIES)]);

export const TICKET_SOURCES = ['ai', 'iot', 'grid_worker', 'hotline', 'citizen'] as const;

/** Human names of every category (Open311 service_name); AI types first. */
export const CATEGORY_NAMES: Readonly<Record<string, string>> = {
  street_vending: 'Street vending (AI video)',
  muck_truck_uncovered: 'Uncovered muck truck (AI video)',
  illegal_structure: 'Illegal structure (AI drone survey)',
  loitering: 'Loitering (AI video)',
  parking: 'Parking (AI video)',
  line_crossing: 'Line crossing (AI video)',
  occupation: 'Street occupied by objects (AI video)',
  gathering: 'People gathering (AI video)',
  camera_fault: 'Camera fault (video quality diagnosis)',
  muck_truck_no_go: 'Muck truck in a no-go area (vehicle terminal)',
  muck_truck_off_route: 'Muck truck off its route or hours (vehicle terminal)',
  illegal_dumping: 'Suspected illegal dumping (vehicle terminal)',
  speeding: 'Speeding (vehicle terminal)',
  dust_exceedance: 'Dust over the limit (sensor)',
  noise_exceedance: 'Noise over the limit (sensor)',
  device_silent: 'Device stopped reporting',
  road_damage: 'Road or pavement damage',
  garbage: 'Garbage and sanitation',
  illegal_parking: 'Illegal parking',
  noise: 'Noise',
  street_vending_report: 'Street vending (report)',
  illegal_construction_report: 'Illegal construction (report)',
  other: 'Other',
};
