import { z } from 'zod';
import { AreaSchema } from '../../foundation/geometry/lon-lat-area-config.ts';
import { HoursSchema } from '../../foundation/util/local-hours.ts';

/**
 * The muck-truck permit registry (渣土运输核准): which truck, of which company, may carry spoil on
 * which routes, at which hours, between which dates. One permit per plate.
 */

const PROVINCES = '京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼';
/** Province, issuing-office letter, then 5 characters (6 for new energy); a trailer's plate ends in 挂. */
const PLATE = new RegExp(`^[${PROVINCES}][A-Z][A-Z0-9]{4}[A-Z0-9挂]{1,2}$`);

/** A plate as people type it (粤a·12345, "粤A 12345") written as edges read it: upper case, no separators. */
export function normalisePlate(text: string): string {
  return text.replace(/[\s·•.\-_]/g, '').toUpperCase();
}

export const PlateSchema = z
  .string()
  .transform(normalisePlate)
  .pipe(
    z
      .string()
      .regex(
        PLATE,
        'a Chinese plate: province character, letter, then 5 letters or digits (6 for new energy), e.g. 粤A12345',
      ),
  );

const LocalDate = z.iso.date('a date YYYY-MM-DD');
const Text = z.string().trim().min(1).max(200);

const permitFields = {
  company: Text,
  permitNumber: Text,
  /** The disposal (消纳) permit of where the spoil goes, where the registry records one. */
  disposalPermitNumber: Text.optional(),
  /** Where the truck may drive: at least one polygon or corridor (WGS-84 [lon, lat]). */
  routes: z.array(AreaSchema).min(1, 'a permit names at least one route').max(100),
  /** When it may drive, local time; absent: at any hour. */
  hours: HoursSchema.optional(),
  /** First and last day the permit is valid (local dates, both included). */
  validFrom: LocalDate,
  validTo: LocalDate,
};
const datesInOrder = (p: { validFrom: string; validTo: string }) => p.validTo >= p.validFrom;
const datesError = { path: ['validTo'], message: 'is before validFrom' };

/** One permit as the API's PUT takes it: without its plate, which is the path's. */
export const PermitBodySchema = z.strictObject(permitFields).refine(datesInOrder, datesError);
export type PermitBody = z.infer<typeof PermitBodySchema>;

/** One permit as the registry file writes it. */
export const PermitSchema = z
  .strictObject({ plate: PlateSchema, ...permitFields })
  .refine(datesInOrder, datesError);
export type Permit = z.infer<typeof PermitSchema>;

/** A permit as the API shows it (a response is encoded, so its plate is a plain string). */
export const PermitOutSchema = z.object({ plate: z.string(), ...permitFields });

/** A permit as the API shows it, with its last change. */
export const PermitViewSchema = PermitOutSchema.extend({ updatedAt: z.string(), updatedBy: z.string() });
export type PermitView = z.infer<typeof PermitViewSchema>;

/** A registry file or upload: its permits, one per plate. */
export const PermitRegistrySchema = z
  .strictObject({ permits: z.array(PermitSchema).max(100_000) })
  .superRefine((registry, ctx) => {
    const first = new Map<string, number>();
    registry.permits.forEach((permit, i) => {
      const seen = first.get(permit.plate);
      if (seen === undefined) first.set(permit.plate, i);
      else
        ctx.addIssue({
          code: 'custom',
          path: ['permits', i, 'plate'],
          message: `${permit.plate} has a permit already, in row ${seen + 1}: one permit per plate`,
        });
    });
  });
