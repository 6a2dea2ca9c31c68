/** An edge as its last status left it (cloud/repositories/ingest-repository.ts EdgeRecord). */
export interface EdgeSeen {
  edgeId: string;
  state: 'online' | 'offline';
  /** When the cloud received that status (ISO). */
  updatedAt: string;
}

export interface OutagePlan {
  /** Edges offline for longer than the limit with no outage open: open one, dated from `since`. */
  open: { edgeId: string; since: string }[];
  /** Edges with an outage open that are online again: end it at `at` (when the edge came back). */
  close: { edgeId: string; at: string }[];
}

/**
 * Which edge outages to open and which to end. An edge is out when its last status says offline
 * (its Last Will, or a clean stop) and has for `offlineMinutes`; it is back on its first online
 * status. Only statuses count: an edge whose heartbeats merely paused is not reported, so that the
 * cloud losing its own broker connection does not make every edge a ticket. Pure.
 */
export function planOutages(
  edges: readonly EdgeSeen[],
  openOutages: ReadonlySet<string>,
  now: Date,
  offlineMinutes: number,
): OutagePlan {
  const plan: OutagePlan = { open: [], close: [] };
  for (const edge of edges) {
    const out = openOutages.has(edge.edgeId);
    if (edge.state === 'online' && out) plan.close.push({ edgeId: edge.edgeId, at: edge.updatedAt });
    const longEnough = now.getTime() - Date.parse(edge.updatedAt) >= offlineMinutes * 60_000;
    if (edge.state === 'offline' && !out && longEnough)
      plan.open.push({ edgeId: edge.edgeId, since: edge.updatedAt });
  }
  return plan;
}
