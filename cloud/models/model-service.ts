import { createHash } from 'node:crypto';
import { z } from 'zod';
import { AnyModelManifestSchema } from '../../foundation/models/manifest-schema.ts';
import type { EdgeModels } from '../../foundation/models/model-distribution.ts';
import { CloudError } from '../errors.ts';
import type { CloudStore, Repositories } from '../repositories/cloud-store.ts';
import type {
  AssignmentLogRow,
  AssignmentRow,
  Camera,
  ModelVersionRow,
} from '../repositories/model-repository.ts';
import { type AssignmentStep, applyAssignment, previousActive } from './assignment-steps.ts';
import { compareOnLabels, type ModelComparison } from './model-comparison.ts';
import type { AssignmentResult, ModelVersion } from './model-schema.ts';

/** Who changes models: an admin or a supervisor (the routes check). */
export interface ModelEditor {
  name: string;
  role: string;
}

const sha256Of = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/**
 * Versioned models: files content-addressed and verified on arrival, a version per name and
 * version naming its manifest (never changed once stored), and which cameras run which version in
 * shadow or active mode, every change logged with who made it.
 */
export class ModelService {
  constructor(
    private readonly store: CloudStore,
    private readonly clock: () => Date,
  ) {}

  /** Stores a model file (or any file a manifest names) under its sha256, refused when the bytes differ. */
  async putFile(by: ModelEditor, sha256: string, bytes: Buffer): Promise<{ sha256: string; size: number }> {
    const actual = sha256Of(bytes);
    if (actual !== sha256) {
      throw new CloudError(
        'MODEL_FILE_HASH_MISMATCH',
        `the ${bytes.length} bytes sent hash to ${actual}, not to ${sha256} they were uploaded under; the upload was refused`,
        { expected: sha256, actual },
      );
    }
    await this.store.models.putFile(sha256, bytes, by.name, this.clock());
    return { sha256, size: bytes.length };
  }

  /** Stores version `version` of model `name` from its manifest's bytes; the same manifest again is a no-op. */
  async putVersion(by: ModelEditor, name: string, version: string, raw: Buffer) {
    const manifest = parseManifest(raw, name, version);
    const manifestSha256 = sha256Of(raw);
    await this.store.transaction(async (repos) => {
      const [existing] = await repos.models.versions(name, version);
      if (existing) {
        if (existing.manifestSha256 === manifestSha256) return;
        throw new CloudError(
          'MODEL_VERSION_EXISTS',
          `${name}@${version} is already stored with manifest ${existing.manifestSha256}; upload a new version instead`,
          { name, version },
        );
      }
      if (!(await repos.models.hasFile(manifest.sha256))) {
        throw new CloudError(
          'MODEL_FILE_NOT_UPLOADED',
          `the manifest's sha256 ${manifest.sha256} (${manifest.file}) names no uploaded file; PUT it to /api/v1/model-files/${manifest.sha256} first`,
          { sha256: manifest.sha256 },
        );
      }
      const at = this.clock();
      await repos.models.putFile(manifestSha256, raw, by.name, at);
      await repos.models.insertVersion({
        name,
        version,
        task: manifest.task,
        manifest,
        manifestSha256,
        fileSha256: manifest.sha256,
        uploadedBy: by.name,
        role: by.role,
        uploadedAt: at,
      });
    });
    return this.get(name, version);
  }

  async list(): Promise<{ models: ModelVersion[] }> {
    const versions = await this.store.models.versions();
    const assignments = await this.store.models.assignments({});
    return { models: versions.map((v) => describe(v, assignments)) };
  }

  async get(name: string, version: string) {
    const found = await this.version(this.store, name, version);
    const assignments = await this.store.models.assignments({ name });
    const history = await this.store.models.log(name);
    return {
      ...describe(found, assignments),
      manifest: found.manifest as Record<string, unknown>,
      history: history.map(change),
    };
  }

  /** How `name@version`, run in shadow, did against what the cameras ran, on every labelled snapshot. */
  async comparison(name: string, version: string): Promise<ModelComparison> {
    await this.version(this.store, name, version);
    return compareOnLabels(await this.store.labels.labelled({}), { name, version });
  }

  /** Runs `name@version` on `cameras` in `mode`; an active assignment replaces the camera's active version. */
  assign(
    by: ModelEditor,
    name: string,
    version: string,
    cameras: readonly Camera[],
    mode: AssignmentRow['mode'],
  ) {
    return this.change(by, name, version, async (_repos, current) =>
      cameras.map((camera) => ({
        camera,
        mode,
        action: 'assign' as const,
        replaced: activeOf(current, camera),
      })),
    );
  }

  /** Makes the shadow `name@version` active on `cameras` (absent: wherever it runs in shadow). */
  promote(by: ModelEditor, name: string, version: string, cameras?: readonly Camera[]) {
    return this.change(by, name, version, async (_repos, current) =>
      this.runningIn(current, name, version, 'shadow', cameras).map((camera) => ({
        camera,
        mode: 'active' as const,
        action: 'promote' as const,
        replaced: activeOf(current, camera),
      })),
    );
  }

  /** Puts back, on `cameras` (absent: wherever `name@version` is active), the active version it replaced. */
  rollback(by: ModelEditor, name: string, version: string, cameras?: readonly Camera[]) {
    return this.change(by, name, version, async (repos, current) => {
      const steps: AssignmentStep[] = [];
      for (const camera of this.runningIn(current, name, version, 'active', cameras)) {
        const back = previousActive(await repos.models.log(name, camera), version);
        if (back === undefined) {
          throw new CloudError(
            'MODEL_NO_PREVIOUS_ACTIVE',
            `${name}@${version} replaced no active version on camera ${camera.edgeId}/${camera.cameraId}; assign another version instead`,
            { ...camera },
          );
        }
        steps.push({ camera, mode: 'active', action: 'rollback', replaced: version, version: back });
      }
      return steps;
    });
  }

  /** The model versions assigned to an edge's cameras, with the hashes it verifies them by. */
  async forEdge(edgeId: string): Promise<EdgeModels> {
    const assignments = await this.store.models.assignments({ edgeId });
    const versions = await this.store.models.versions();
    const byKey = new Map(versions.map((v) => [`${v.name}@${v.version}`, v]));
    return {
      edgeId,
      assignments: assignments.flatMap((a) => {
        const v = byKey.get(`${a.name}@${a.version}`);
        if (!v) return [];
        const { name, version, manifestSha256, fileSha256 } = v;
        return [{ name, version, manifestSha256, fileSha256, cameraId: a.cameraId, mode: a.mode }];
      }),
    };
  }

  /** A stored file's bytes, for an edge to download and verify. */
  async readFile(sha256: string): Promise<Buffer> {
    const bytes = await this.store.models.readFile(sha256);
    if (bytes) return bytes;
    throw new CloudError('MODEL_VERSION_NOT_FOUND', `no model file or manifest with sha256 ${sha256}`, {
      sha256,
    });
  }

  private runningIn(
    current: readonly AssignmentRow[],
    name: string,
    version: string,
    mode: AssignmentRow['mode'],
    cameras?: readonly Camera[],
  ): Camera[] {
    const running = current.filter((a) => a.version === version && a.mode === mode);
    const wanted = cameras ?? running;
    if (wanted.length === 0) {
      throw new CloudError('MODEL_NOT_ASSIGNED', `${name}@${version} runs in ${mode} mode on no camera`, {
        mode,
      });
    }
    for (const camera of wanted) {
      if (!running.some((a) => a.edgeId === camera.edgeId && a.cameraId === camera.cameraId)) {
        throw new CloudError(
          'MODEL_NOT_ASSIGNED',
          `camera ${camera.edgeId}/${camera.cameraId} does not run ${name}@${version} in ${mode} mode`,
          { ...camera, mode },
        );
      }
    }
    return wanted.map(({ edgeId, cameraId }) => ({ edgeId, cameraId }));
  }

  private async change(
    by: ModelEditor,
    name: string,
    version: string,
    plan: (repos: Repositories, current: readonly AssignmentRow[]) => Promise<AssignmentStep[]>,
  ): Promise<AssignmentResult> {
    return this.store.transaction(async (repos) => {
      await this.version(repos, name, version);
      const steps = await plan(repos, await repos.models.assignments({ name }));
      const at = this.clock();
      const changes: AssignmentLogRow[] = [];
      for (const step of steps) {
        changes.push(
          await applyAssignment(repos.models, { ...step, version: step.version ?? version }, name, by, at),
        );
      }
      return {
        name,
        version,
        changes: changes.map(change),
        assignments: await repos.models.assignments({ name }),
      };
    });
  }

  private async version(repos: Repositories, name: string, version: string): Promise<ModelVersionRow> {
    const [found] = await repos.models.versions(name, version);
    if (found) return found;
    throw new CloudError(
      'MODEL_VERSION_NOT_FOUND',
      `no model ${name}@${version}; GET /api/v1/models lists them`,
      {
        name,
        version,
      },
    );
  }
}

function parseManifest(raw: Buffer, name: string, version: string) {
  let json: unknown;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch (error) {
    throw new CloudError('MODEL_MANIFEST_INVALID', `the manifest is not JSON: ${(error as Error).message}`);
  }
  const parsed = AnyModelManifestSchema.safeParse(json);
  if (!parsed.success) {
    throw new CloudError(
      'MODEL_MANIFEST_INVALID',
      `the manifest does not match the manifest schema:\n${z.prettifyError(parsed.error)}`,
    );
  }
  const manifest = parsed.data;
  if (manifest.name !== name || manifest.version !== version) {
    throw new CloudError(
      'MODEL_MANIFEST_INVALID',
      `the manifest is ${manifest.name}@${manifest.version}, uploaded as ${name}@${version}`,
      { manifestName: manifest.name, manifestVersion: manifest.version },
    );
  }
  if (manifest.task === 'text-recognize') {
    throw new CloudError(
      'MODEL_MANIFEST_INVALID',
      'a text recogniser names a dictionary file beside its model; models of more than one file are not distributed yet',
    );
  }
  return manifest;
}

const activeOf = (current: readonly AssignmentRow[], camera: Camera) =>
  current.find((a) => a.mode === 'active' && a.edgeId === camera.edgeId && a.cameraId === camera.cameraId)
    ?.version;

function describe(v: ModelVersionRow, assignments: readonly AssignmentRow[]): ModelVersion {
  const { manifest: _manifest, ...rest } = v;
  return {
    ...rest,
    assignments: assignments.filter((a) => a.name === v.name && a.version === v.version),
  };
}

function change({ id: _id, ...rest }: AssignmentLogRow) {
  return rest;
}
