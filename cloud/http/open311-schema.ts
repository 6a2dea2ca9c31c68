import { z } from 'zod';
import { CategorySchema } from '../tickets/categories.ts';
import { csv } from './schemas.ts';

/**
 * GeoReport v2 (http://wiki.open311.org/GeoReport_v2) request and response shapes. A parameter
 * sent empty (`lat=&long=`) is absent: the routes drop empty values before these schemas run.
 */

/** One id of `service_request_id`: a ticket id, bounded as every id of the API is. */
const RequestId = z
  .string()
  .regex(/^[0-9]+$/, 'a whole number')
  .transform(Number)
  .pipe(z.number().int().min(1));

const Lat = z.coerce.number().min(-90).max(90);
const Long = z.coerce.number().min(-180).max(180);

export const Open311RequestsQuerySchema = z.object({
  service_request_id: csv(RequestId).optional().describe('comma-separated ids'),
  service_code: z.string().optional().describe('comma-separated service codes'),
  start_date: z.iso.datetime({ offset: true }).optional(),
  end_date: z.iso.datetime({ offset: true }).optional(),
  status: z.enum(['open', 'closed']).optional(),
});

export const Open311CreateSchema = z
  .object({
    api_key: z.string().min(1),
    service_code: CategorySchema,
    lat: Lat.optional(),
    long: Long.optional(),
    address_string: z.string().trim().min(1).max(500).optional(),
    address_id: z.string().optional(),
    description: z.string().trim().max(4000).optional(),
    media_url: z.url().optional(),
    email: z.string().max(200).optional(),
    first_name: z.string().max(100).optional(),
    last_name: z.string().max(100).optional(),
    phone: z.string().max(50).optional(),
    device_id: z.string().max(200).optional(),
    account_id: z.string().max(200).optional(),
  })
  .refine((b) => (b.lat !== undefined && b.long !== undefined) || b.address_string !== undefined, {
    message: 'give lat and long, or address_string',
    path: ['lat'],
  });

export const Open311ServiceRequestSchema = z.object({
  service_request_id: z.string(),
  status: z.enum(['open', 'closed']),
  status_notes: z.string().nullable(),
  service_name: z.string(),
  service_code: z.string(),
  description: z.string().nullable(),
  agency_responsible: z.string().nullable(),
  service_notice: z.string().nullable(),
  requested_datetime: z.string(),
  updated_datetime: z.string(),
  expected_datetime: z.string().nullable(),
  address: z.string().nullable(),
  address_id: z.string().nullable(),
  zipcode: z.string().nullable(),
  lat: z.number().nullable(),
  long: z.number().nullable(),
  media_url: z.string().nullable(),
});
export type Open311ServiceRequest = z.infer<typeof Open311ServiceRequestSchema>;
