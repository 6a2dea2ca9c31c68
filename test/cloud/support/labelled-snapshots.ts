import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { EvidenceStore } from '../../../cloud/evidence/evidence-store-types.ts';
import type { CloudCore } from '../../../cloud/services/cloud-core.ts';
import type { EdgeEvent } from '../../../foundation/contract/events.ts';
import { edgeEvent, message } from './events.ts';

type Box = [number, number, number, number];

/** A fixture frame stored in the evidence store as an edge uploads it; its sha256 and size. */
export async function storeFrame(
  store: EvidenceStore,
  frame: string,
): Promise<{ sha256: string; size: number }> {
  const chunk = await readFile(path.resolve('fixtures/frames', frame));
  const sha256 = createHash('sha256').update(chunk).digest('hex');
  const result = await store.append({
    sha256,
    offset: 0,
    length: chunk.length,
    contentType: 'image/jpeg',
    chunk,
  });
  if (!result.ok) throw new Error(`evidence append: ${result.message}`);
  return { sha256, size: chunk.length };
}

export interface SnapshotSpec {
  cameraId: string;
  key: string;
  sequence?: number;
  startedAt: string;
  type?: EdgeEvent['type'];
  snapshot: { sha256: string; size: number };
  objects: [string, Box][];
}

/** Publishes (through the cloud's own message processor) an event that carries `snapshot`. */
export async function publishSnapshot(core: CloudCore, spec: SnapshotSpec): Promise<EdgeEvent> {
  const event: EdgeEvent = {
    ...edgeEvent({
      edgeId: 'lingnan-hub',
      cameraId: spec.cameraId,
      key: spec.key,
      sequence: spec.sequence ?? 0,
      startedAt: spec.startedAt,
      ...(spec.type ? { type: spec.type } : {}),
    }),
    objects: spec.objects.map(([label, box], i) => ({ trackId: i + 1, label, score: 0.5 + i / 10, box })),
    objectCount: spec.objects.length,
    evidence: { snapshot: { ...spec.snapshot, contentType: 'image/jpeg' } },
  };
  const m = message(event);
  const outcome = await core.processor.process(m.topic, m.payload);
  if (outcome.kind !== 'event') throw new Error(`refused: ${JSON.stringify(outcome)}`);
  return event;
}
