import { EventEmitter } from 'node:events';
import type { Escalation, Ticket } from '../tickets/ticket-schema.ts';

/** What the operator UI hears about as it happens (after the change is committed). */
export type LiveMessage =
  | { kind: 'ticket.created'; ticket: Ticket }
  | { kind: 'ticket.updated'; ticket: Ticket }
  | { kind: 'incident.updated'; incidentId: number }
  | { kind: 'escalation'; escalation: Escalation }
  | { kind: 'edge.status'; edgeId: string; state: 'online' | 'offline' };

/** In-process fan-out of LiveMessages (one cloud instance; subscribers: SSE clients, tests). */
export class LiveFeed {
  private readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  publish(message: LiveMessage): void {
    this.emitter.emit('message', message);
  }

  /** Returns the unsubscribe function. */
  subscribe(listener: (message: LiveMessage) => void): () => void {
    this.emitter.on('message', listener);
    return () => this.emitter.off('message', listener);
  }
}
