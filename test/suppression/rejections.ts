import type { FastifyInstance } from 'fastify';
import type { CloudCore } from '../../cloud/services/cloud-core.ts';
import { publishSnapshot } from '../cloud/support/labelled-snapshots.ts';

type Box = [number, number, number, number];

export interface RejectionSpec {
  cameraId: string;
  key: string;
  startedAt: string;
  snapshot: { sha256: string; size: number };
  /** The event's objects; the first is the one rejected. */
  objects: [string, Box][];
}

/**
 * An edge event carrying a snapshot, then an operator's labels on it through the API: its first
 * object "not an object", the others right. Returns the ticket the snapshot belongs to.
 */
export async function rejectFirstObject(
  app: FastifyInstance,
  core: CloudCore,
  headers: Record<string, string>,
  spec: RejectionSpec,
): Promise<number> {
  await publishSnapshot(core, spec);
  const found = await core.store.labels.snapshotEvent(spec.snapshot.sha256);
  const ticketId = found?.ticketId;
  if (ticketId == null) throw new Error(`no ticket for snapshot ${spec.snapshot.sha256}`);
  const current = await core.store.labels.current(spec.snapshot.sha256);
  const reply = await app.inject({
    method: 'PUT',
    url: `/api/v1/tickets/${ticketId}/snapshots/${spec.snapshot.sha256}/labels`,
    headers,
    payload: {
      baseRevision: current?.revision ?? 0,
      objects: spec.objects.map((_, index) => ({ index, verdict: index === 0 ? 'not_object' : 'right' })),
      drawn: [],
    },
  });
  if (reply.statusCode !== 200) throw new Error(`labels: ${reply.statusCode} ${reply.body}`);
  return ticketId;
}
