import type { EdgeModels } from '../../foundation/models/model-distribution.ts';
import type { EdgeConfig } from '../config/edge-config-schema.ts';

/** A model version assigned to a camera that this box holds verified in its cache, ready to run. */
export interface RunnableAssignment {
  cameraId: string;
  name: string;
  version: string;
  mode: EdgeModels['assignments'][number]['mode'];
  /** The manifest's task: `detect` and `verify` can be assigned to a camera. */
  task: string;
  /** sha256 of the model file (the manifest's `sha256`). */
  sha256: string;
  /** The cached manifest (<dataDir>/models/<manifest sha256>/manifest.json). */
  manifestPath: string;
}

/** Tasks an assignment can take on a camera: its detector, or one of its verifiers. */
export const ASSIGNABLE_TASKS: readonly string[] = ['detect', 'verify'];

/** The alias under `models` an assigned version runs as: a valid config id, one per name and version. */
export function assignedAlias(model: { name: string; version: string }): string {
  return `cloud-${model.name}-${model.version}`.toLowerCase().replace(/[^a-z0-9_-]/g, '_');
}

/**
 * The configuration a box runs with its active assignments: `base` (the file's, or the cloud's
 * desired one) where each camera with an active detector assignment detects with it (its `models`
 * replaced: the assigned detectors are the camera's detectors), and each active verifier
 * assignment is added to the camera's `verifiers`. Shadow assignments change nothing here: they
 * run beside (edge/runtime/shadow-models.ts). Cameras without assignments stay as they are.
 */
export function withActiveAssignments(
  base: Readonly<EdgeConfig>,
  assignments: readonly RunnableAssignment[],
): Readonly<EdgeConfig> {
  const active = assignments.filter((a) => a.mode === 'active' && ASSIGNABLE_TASKS.includes(a.task));
  const onCameras = active.filter((a) => base.cameras.some((camera) => camera.id === a.cameraId));
  if (onCameras.length === 0) return base;
  const models = { ...base.models };
  for (const a of onCameras) models[assignedAlias(a)] = { manifest: a.manifestPath };
  const cameras = base.cameras.map((camera) => {
    const mine = onCameras.filter((a) => a.cameraId === camera.id);
    if (mine.length === 0) return camera;
    const aliases = (task: string) => [...new Set(mine.filter((a) => a.task === task).map(assignedAlias))];
    const detectors = aliases('detect');
    const verifiers = aliases('verify').filter((alias) => !camera.verifiers.includes(alias));
    return {
      ...camera,
      models: detectors.length > 0 ? detectors : camera.models,
      verifiers: [...camera.verifiers, ...verifiers],
    };
  });
  return { ...base, models, cameras };
}
