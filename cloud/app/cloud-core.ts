import type { CloudConfig } from '../config/cloud-config-schema.ts';
import type { Database } from '../db/database.ts';
import { IncidentService } from '../incidents/incident-service.ts';
import { MessageProcessor } from '../ingest/message-processor.ts';
import { VehicleCorrelator } from '../iot/vehicle-correlator.ts';
import { LiveFeed } from '../live/live-feed.ts';
import type { PlaceRegistry } from '../places/place-registry.ts';
import { TicketService } from '../tickets/ticket-service.ts';

/** The cloud's services wired together over one database: what ingest, API and sweep share. */
export interface CloudCore {
  db: Database;
  config: Readonly<CloudConfig>;
  places: PlaceRegistry;
  live: LiveFeed;
  tickets: TicketService;
  incidents: IncidentService;
  processor: MessageProcessor;
  /** Candidate trucks for camera events; answers once the telemetry side attached its positions. */
  vehicles: VehicleCorrelator;
  clock: () => Date;
}

export function createCloudCore(
  db: Database,
  config: Readonly<CloudConfig>,
  places: PlaceRegistry,
  clock: () => Date = () => new Date(),
): CloudCore {
  const live = new LiveFeed();
  const tickets = new TicketService(db, { routing: config.routing, places });
  const incidents = new IncidentService(places, tickets, config.incidents);
  const vehicles = new VehicleCorrelator(places);
  const processor = new MessageProcessor(db, incidents, live, clock, vehicles);
  return { db, config, places, live, tickets, incidents, processor, vehicles, clock };
}
