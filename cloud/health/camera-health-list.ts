import type { EdgeStatus } from '../../foundation/contract/edge-status.ts';

export interface CameraFaultNow {
  /** The contract's fault name (foundation/contract/events.ts CameraFaultSchema). */
  fault: string | null;
  since: string;
  ticketId: number | null;
  ticketState: string | null;
}

/**
 * - `fault`: the edge reports a fault of the camera (a maintenance incident is open);
 * - `offline`: its edge is offline, so nothing is known of the camera;
 * - `no_signal_yet`: its edge is online but says its source is not live (before a fault opens);
 * - `unknown`: no status has come from its edge;
 * - `ok`: live, no fault.
 */
export type CameraHealthState = 'fault' | 'offline' | 'no_signal_yet' | 'unknown' | 'ok';

export interface CameraHealthRow {
  edgeId: string;
  cameraId: string;
  name: string | null;
  health: CameraHealthState;
  edgeState: 'online' | 'offline' | null;
  /** The camera source's state in the edge's last status (live, backing_off…), if it listed it. */
  sourceState: string | null;
  lastFrameTime: number | null;
  faults: CameraFaultNow[];
}

/** Worst first: what needs someone comes to the top of the list. */
const ORDER: Record<CameraHealthState, number> = {
  fault: 0,
  offline: 1,
  no_signal_yet: 2,
  unknown: 3,
  ok: 4,
};

/**
 * The cameras by health: every camera the registry or an edge's status names, with the faults
 * open for it, worst first (then by edge and camera). Pure.
 */
export function listCameraHealth(
  registry: readonly { edgeId: string; id: string; name: string }[],
  edges: readonly { edgeId: string; state: 'online' | 'offline'; status: EdgeStatus }[],
  faults: readonly (CameraFaultNow & { edgeId: string; cameraId: string })[],
): CameraHealthRow[] {
  const rows = new Map<string, CameraHealthRow>();
  const row = (edgeId: string, cameraId: string): CameraHealthRow => {
    const key = `${edgeId}/${cameraId}`;
    let found = rows.get(key);
    if (!found) {
      found = {
        edgeId,
        cameraId,
        name: null,
        health: 'unknown',
        edgeState: null,
        sourceState: null,
        lastFrameTime: null,
        faults: [],
      };
      rows.set(key, found);
    }
    return found;
  };
  for (const camera of registry) row(camera.edgeId, camera.id).name = camera.name;
  const edgeStates = new Map(edges.map((e) => [e.edgeId, e.state] as const));
  for (const edge of edges) {
    for (const camera of edge.status.cameras ?? []) {
      const r = row(edge.edgeId, camera.id);
      r.sourceState = camera.state;
      r.lastFrameTime = camera.lastFrameTime;
    }
  }
  for (const fault of faults) {
    const { edgeId, cameraId, ...now } = fault;
    row(edgeId, cameraId).faults.push(now);
  }
  for (const r of rows.values()) {
    r.edgeState = edgeStates.get(r.edgeId) ?? null;
    r.health =
      r.faults.length > 0
        ? 'fault'
        : r.edgeState === 'offline'
          ? 'offline'
          : r.edgeState === null || r.sourceState === null
            ? 'unknown'
            : r.sourceState === 'live'
              ? 'ok'
              : 'no_signal_yet';
  }
  return [...rows.values()].sort(
    (a, b) =>
      ORDER[a.health] - ORDER[b.health] ||
      a.edgeId.localeCompare(b.edgeId) ||
      a.cameraId.localeCompare(b.cameraId),
  );
}
