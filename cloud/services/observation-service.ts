import type { Incident } from '../incidents/incident-schema.ts';
import type { CloudStore } from '../repositories/cloud-store.ts';
import type { DeadLetter, EdgeRecord, StoredEvent } from '../repositories/ingest-repository.ts';
import type { ProcessorCounters } from './message-processor.ts';

type StoredCounts = Awaited<ReturnType<CloudStore['ingest']['counts']>>;

/** What the edges and devices reported: incidents, raw events, dead letters and edge statuses. */
export class ObservationService {
  constructor(
    private readonly store: CloudStore,
    /** What this instance took from the broker since it started. */
    private readonly counters: Readonly<ProcessorCounters>,
  ) {}

  incidents(filter: {
    state?: string | undefined;
    type?: string | undefined;
    limit: number;
    offset: number;
  }): Promise<Incident[]> {
    return this.store.incidents.list(filter);
  }

  /** An incident with its events, newest first; undefined when there is none. */
  async incident(id: number): Promise<{ incident: Incident; events: StoredEvent[] } | undefined> {
    const incident = await this.store.incidents.get(id);
    if (!incident) return undefined;
    return { incident, events: await this.store.ingest.events({ incidentId: incident.id, limit: 1000 }) };
  }

  events(filter: { incidentId?: number | undefined; edgeId?: string | undefined; limit: number }) {
    return this.store.ingest.events(filter);
  }

  /** The newest dead letters (older than id `before`, when given), each payload cut to 64 KiB at most. */
  async deadLetters(
    limit: number,
    before?: number,
  ): Promise<{ counts: StoredCounts; deadLetters: DeadLetter[] }> {
    return {
      counts: await this.store.ingest.counts(),
      deadLetters: await this.store.ingest.deadLetters(limit, before),
    };
  }

  async ingest(): Promise<{ instance: Readonly<ProcessorCounters>; stored: StoredCounts }> {
    return { instance: this.counters, stored: await this.store.ingest.counts() };
  }

  edges(): Promise<EdgeRecord[]> {
    return this.store.ingest.edges();
  }
}
