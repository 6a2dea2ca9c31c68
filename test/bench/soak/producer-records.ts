import { type IncidentMessage, parseIncidentMessage } from '../../../foundation/contract/events.ts';

/** One event as its producer said it put it in its outbox. */
export interface ProducedEvent {
  eventId: string;
  incidentId: string;
  phase: IncidentMessage['phase'];
  sequence: number;
  /** The producer's process generation that emitted it (1 = first start). */
  generation: number;
  /** An end event's `endedAt` (ms). */
  endedAt?: number;
}

/**
 * What one producer (an edge, the rules node, the volume publisher) says it produced: the event
 * lines it prints on stdout once an event is in its outbox (the edge), or as it hands it to the
 * outbox (the rules node). The soak's "produced" figure and the producers' view of which
 * incidents are still open come from here, never from the cloud.
 */
export class ProducerRecords {
  readonly events = new Map<string, ProducedEvent>();
  private readonly byIncident = new Map<string, ProducedEvent[]>();
  unreadable = 0;

  constructor(readonly name: string) {}

  /** A stdout line of generation `generation`; lines that are not events are counted and skipped. */
  add(line: string, generation: number): void {
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      this.unreadable++;
      return;
    }
    const parsed = parseIncidentMessage(json);
    if (!parsed.ok) {
      this.unreadable++;
      return;
    }
    const e = parsed.event;
    const produced: ProducedEvent = {
      eventId: e.eventId,
      incidentId: e.incidentId,
      phase: e.phase,
      sequence: e.sequence,
      generation,
      ...(e.phase === 'end' ? { endedAt: Date.parse(e.endedAt ?? e.observedAt) } : {}),
    };
    if (this.events.has(e.eventId)) return;
    this.events.set(e.eventId, produced);
    const list = this.byIncident.get(e.incidentId) ?? [];
    list.push(produced);
    this.byIncident.set(e.incidentId, list);
  }

  hasIncident(incidentId: string): boolean {
    return this.byIncident.has(incidentId);
  }

  /** When the producer ended the incident (ms), if it did. */
  endOf(incidentId: string): number | undefined {
    return this.byIncident.get(incidentId)?.find((e) => e.endedAt !== undefined)?.endedAt;
  }

  /**
   * Incidents this producer holds open now: not ended, and spoken of by its running generation
   * (one a killed generation left behind is open nowhere, unless the restarted process took it up).
   */
  openIncidents(liveGeneration: number): string[] {
    const open: string[] = [];
    for (const [incidentId, events] of this.byIncident) {
      if (events.some((e) => e.phase === 'end')) continue;
      if (events.some((e) => e.generation === liveGeneration)) open.push(incidentId);
    }
    return open;
  }
}
