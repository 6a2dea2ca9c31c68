import type { Queryable } from '../db/database.ts';
import type { PlaceEdit } from '../places/place-hierarchy.ts';
import { PlaceFeatureSchema } from '../places/places-schema.ts';

export class PlaceRepository {
  constructor(private readonly db: Queryable) {}

  /** Until the transaction ends, no other one edits a place (on any instance). */
  async lockEdits(): Promise<void> {
    await this.db.query('SELECT pg_advisory_xact_lock(hashtext($1))', ['place-edits']);
  }

  async save(edit: PlaceEdit, by: string, at: Date): Promise<void> {
    await this.db.query(
      `INSERT INTO place_edits (place_id, place, updated_at, updated_by) VALUES ($1,$2,$3,$4)
       ON CONFLICT (place_id) DO UPDATE SET place = $2, updated_at = $3, updated_by = $4`,
      [edit.placeId, edit.place === null ? null : JSON.stringify(edit.place), at, by],
    );
  }

  /** Every edit (one per place: its latest); rows that no longer match the schema are skipped. */
  async list(): Promise<PlaceEdit[]> {
    const rows = await this.db.query<{ place_id: string; place: unknown }>(
      'SELECT place_id, place FROM place_edits ORDER BY updated_at, place_id',
    );
    return rows.flatMap((r): PlaceEdit[] => {
      if (r.place === null) return [{ placeId: r.place_id, place: null }];
      const parsed = PlaceFeatureSchema.safeParse(r.place);
      return parsed.success ? [{ placeId: r.place_id, place: parsed.data }] : [];
    });
  }
}
