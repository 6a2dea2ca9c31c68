import type { EventPhase } from '../../foundation/contract/events.ts';
import type { Outbox } from '../../foundation/delivery/outbox/outbox.ts';
import type { OutboxMessage } from '../../foundation/delivery/outbox/outbox-store.ts';

/** Sample outbox messages and what the outbox tests read back. */

export function message(n: number, phase: EventPhase = 'update', cameraId = 'cam-a'): OutboxMessage {
  return {
    cameraId,
    phase,
    topic: `edges/e1/events/loitering`,
    payload: JSON.stringify({ eventId: `ev-${n}` }),
  };
}

export const seqs = (outbox: Outbox) => [...outbox.pending()].map((m) => m.seq);
