import type { Queryable } from '../db/database.ts';
import { type Camera, CameraSchema } from '../places/places-schema.ts';

/** A camera edit: the camera as it is now, or `null` when it was removed. */
export interface CameraEdit {
  edgeId: string;
  cameraId: string;
  camera: Camera | null;
}

export class CameraRepository {
  constructor(private readonly db: Queryable) {}

  async save(edit: CameraEdit, by: string, at: Date): Promise<void> {
    await this.db.query(
      `INSERT INTO camera_edits (edge_id, camera_id, camera, updated_at, updated_by) VALUES ($1,$2,$3,$4,$5)
       ON CONFLICT (edge_id, camera_id) DO UPDATE SET camera = $3, updated_at = $4, updated_by = $5`,
      [edit.edgeId, edit.cameraId, edit.camera === null ? null : JSON.stringify(edit.camera), at, by],
    );
  }

  /** Every edit, oldest first; rows that no longer match the schema are skipped. */
  async list(): Promise<CameraEdit[]> {
    const rows = await this.db.query<{ edge_id: string; camera_id: string; camera: unknown }>(
      'SELECT edge_id, camera_id, camera FROM camera_edits ORDER BY updated_at',
    );
    return rows.flatMap((r): CameraEdit[] => {
      if (r.camera === null) return [{ edgeId: r.edge_id, cameraId: r.camera_id, camera: null }];
      const parsed = CameraSchema.safeParse(r.camera);
      return parsed.success ? [{ edgeId: r.edge_id, cameraId: r.camera_id, camera: parsed.data }] : [];
    });
  }
}
