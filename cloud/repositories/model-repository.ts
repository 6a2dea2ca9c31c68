import type { Queryable } from '../db/database.ts';

type Row = Record<string, unknown>;
const iso = (value: unknown) => new Date(value as string | Date).toISOString();

export interface ModelVersionRow {
  name: string;
  version: string;
  task: string;
  manifest: unknown;
  manifestSha256: string;
  fileSha256: string;
  fileSize: number;
  uploadedBy: string;
  role: string;
  uploadedAt: string;
}

export interface AssignmentRow {
  edgeId: string;
  cameraId: string;
  name: string;
  mode: 'shadow' | 'active';
  version: string;
  assignedBy: string;
  role: string;
  assignedAt: string;
}

export interface AssignmentLogRow {
  id: number;
  edgeId: string;
  cameraId: string;
  name: string;
  version: string;
  mode: 'shadow' | 'active';
  action: 'assign' | 'promote' | 'rollback';
  replacedVersion: string | null;
  by: string;
  role: string;
  at: string;
}

export interface Camera {
  edgeId: string;
  cameraId: string;
}

/** Model files, versions, assignments and their log: migration 015. */
export class ModelRepository {
  constructor(private readonly db: Queryable) {}

  /** Stores a file under its sha256; a file already held is left as it is. */
  async putFile(sha256: string, bytes: Buffer, by: string, at: Date): Promise<void> {
    await this.db.query(
      `INSERT INTO model_files (sha256, size, bytes, uploaded_by, uploaded_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (sha256) DO NOTHING`,
      [sha256, bytes.length, bytes, by, at],
    );
  }

  async hasFile(sha256: string): Promise<boolean> {
    const rows = await this.db.query('SELECT 1 FROM model_files WHERE sha256 = $1', [sha256]);
    return rows.length > 0;
  }

  /** The bytes of a file, as stored (not checked again: the edge verifies what it receives). */
  async readFile(sha256: string): Promise<Buffer | undefined> {
    const rows = await this.db.query<Row>('SELECT bytes FROM model_files WHERE sha256 = $1', [sha256]);
    const bytes = rows[0]?.bytes;
    return bytes === undefined ? undefined : Buffer.from(bytes as Uint8Array);
  }

  async insertVersion(
    v: Omit<ModelVersionRow, 'fileSize' | 'uploadedAt'> & { uploadedAt: Date },
  ): Promise<void> {
    await this.db.query(
      `INSERT INTO model_versions (name, version, task, manifest, manifest_sha256, file_sha256, uploaded_by, role, uploaded_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        v.name,
        v.version,
        v.task,
        JSON.stringify(v.manifest),
        v.manifestSha256,
        v.fileSha256,
        v.uploadedBy,
        v.role,
        v.uploadedAt,
      ],
    );
  }

  async versions(name?: string, version?: string): Promise<ModelVersionRow[]> {
    const rows = await this.db.query<Row>(
      `SELECT v.*, f.size AS file_size FROM model_versions v JOIN model_files f ON f.sha256 = v.file_sha256
        WHERE ($1::text IS NULL OR v.name = $1) AND ($2::text IS NULL OR v.version = $2)
        ORDER BY v.name, v.uploaded_at, v.version`,
      [name ?? null, version ?? null],
    );
    return rows.map((r) => ({
      name: String(r.name),
      version: String(r.version),
      task: String(r.task),
      manifest: typeof r.manifest === 'string' ? JSON.parse(r.manifest) : r.manifest,
      manifestSha256: String(r.manifest_sha256),
      fileSha256: String(r.file_sha256),
      fileSize: Number(r.file_size),
      uploadedBy: String(r.uploaded_by),
      role: String(r.role),
      uploadedAt: iso(r.uploaded_at),
    }));
  }

  /** Current assignments, of one model name or of one edge's cameras. */
  async assignments(filter: { name?: string; edgeId?: string }): Promise<AssignmentRow[]> {
    const rows = await this.db.query<Row>(
      `SELECT * FROM model_assignments WHERE ($1::text IS NULL OR name = $1) AND ($2::text IS NULL OR edge_id = $2)
        ORDER BY edge_id, camera_id, name, mode`,
      [filter.name ?? null, filter.edgeId ?? null],
    );
    return rows.map((r) => ({
      edgeId: String(r.edge_id),
      cameraId: String(r.camera_id),
      name: String(r.name),
      mode: r.mode as AssignmentRow['mode'],
      version: String(r.version),
      assignedBy: String(r.assigned_by),
      role: String(r.role),
      assignedAt: iso(r.assigned_at),
    }));
  }

  /** Sets what a camera runs of a model in one mode (replacing what it ran in that mode). */
  async setAssignment(a: Omit<AssignmentRow, 'assignedAt'> & { assignedAt: Date }): Promise<void> {
    await this.db.query(
      `INSERT INTO model_assignments (edge_id, camera_id, name, mode, version, assigned_by, role, assigned_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (edge_id, camera_id, name, mode)
       DO UPDATE SET version = $5, assigned_by = $6, role = $7, assigned_at = $8`,
      [a.edgeId, a.cameraId, a.name, a.mode, a.version, a.assignedBy, a.role, a.assignedAt],
    );
  }

  async removeAssignment(camera: Camera, name: string, mode: AssignmentRow['mode']): Promise<void> {
    await this.db.query(
      'DELETE FROM model_assignments WHERE edge_id = $1 AND camera_id = $2 AND name = $3 AND mode = $4',
      [camera.edgeId, camera.cameraId, name, mode],
    );
  }

  async appendLog(entry: Omit<AssignmentLogRow, 'id' | 'at'> & { at: Date }): Promise<void> {
    await this.db.query(
      `INSERT INTO model_assignment_log (edge_id, camera_id, name, version, mode, action, replaced_version, by_user, role, at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        entry.edgeId,
        entry.cameraId,
        entry.name,
        entry.version,
        entry.mode,
        entry.action,
        entry.replacedVersion,
        entry.by,
        entry.role,
        entry.at,
      ],
    );
  }

  /** The log of a model name (oldest first), of one camera when given. */
  async log(name: string, camera?: Camera): Promise<AssignmentLogRow[]> {
    const rows = await this.db.query<Row>(
      `SELECT * FROM model_assignment_log
        WHERE name = $1 AND ($2::text IS NULL OR edge_id = $2) AND ($3::text IS NULL OR camera_id = $3)
        ORDER BY id`,
      [name, camera?.edgeId ?? null, camera?.cameraId ?? null],
    );
    return rows.map((r) => ({
      id: Number(r.id),
      edgeId: String(r.edge_id),
      cameraId: String(r.camera_id),
      name: String(r.name),
      version: String(r.version),
      mode: r.mode as AssignmentLogRow['mode'],
      action: r.action as AssignmentLogRow['action'],
      replacedVersion: r.replaced_version === null ? null : String(r.replaced_version),
      by: String(r.by_user),
      role: String(r.role),
      at: iso(r.at),
    }));
  }
}
