import { z } from 'zod';

export const ErrorBodySchema = z.object({
  error: z.looseObject({ code: z.string(), message: z.string() }),
});

/**
 * A row id (bigserial) as a path or query parameter: a whole number from 1 up to what a JS number
 * holds exactly (zod's int(); far below bigint's limit), so an id out of range is a 400 naming the
 * field, never a database error.
 */
export const DbIdSchema = z.coerce.number().int().min(1);

export const IdParamsSchema = z.object({ id: DbIdSchema });

export const PageQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});

/** A comma-separated query parameter of `item`s. */
export function csv<T extends z.ZodType<unknown, string>>(item: T) {
  return z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((part) => part.trim())
        .filter(Boolean),
    )
    .pipe(z.array(item));
}

export const IsoDateQuery = z.iso.datetime({ offset: true }).transform((s) => new Date(s));
