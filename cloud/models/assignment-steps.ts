import type {
  AssignmentLogRow,
  AssignmentRow,
  Camera,
  ModelRepository,
} from '../repositories/model-repository.ts';

/** One camera's change of a model assignment, as planned by assign, promote or rollback. */
export interface AssignmentStep {
  camera: Camera;
  mode: AssignmentRow['mode'];
  action: AssignmentLogRow['action'];
  /** The camera's active version before the change, if any. */
  replaced: string | undefined;
  /** The version the camera runs after it; absent: the version the request names. */
  version?: string;
}

/**
 * The active version that `version` replaced when it was last assigned or promoted on a camera,
 * from that camera's log of the model (oldest first): what a rollback returns to; undefined when
 * it replaced none. A version a rollback put back is not rolled back "forward" to the one it undid.
 */
export function previousActive(log: readonly AssignmentLogRow[], version: string): string | undefined {
  const became = log.findLast(
    (entry) => entry.mode === 'active' && entry.version === version && entry.action !== 'rollback',
  );
  return became?.replacedVersion ?? undefined;
}

/** Applies one step and logs it; answers the log entry. */
export async function applyAssignment(
  models: ModelRepository,
  step: AssignmentStep & { version: string },
  name: string,
  by: { name: string; role: string },
  at: Date,
): Promise<AssignmentLogRow> {
  const { camera, mode, version } = step;
  await models.setAssignment({
    ...camera,
    name,
    mode,
    version,
    assignedBy: by.name,
    role: by.role,
    assignedAt: at,
  });
  // A version that becomes active stops running beside itself in shadow.
  if (mode === 'active') {
    const current = await models.assignments({ name, edgeId: camera.edgeId });
    const shadow = current.find((a) => a.cameraId === camera.cameraId && a.mode === 'shadow');
    if (shadow?.version === version) await models.removeAssignment(camera, name, 'shadow');
  }
  const replacedVersion = mode === 'active' && step.replaced !== version ? (step.replaced ?? null) : null;
  const entry = {
    ...camera,
    name,
    version,
    mode,
    action: step.action,
    replacedVersion,
    by: by.name,
    role: by.role,
  };
  await models.appendLog({ ...entry, at });
  return { id: 0, ...entry, at: at.toISOString() };
}
