import type { CloudConfig } from '../config/cloud-config-schema.ts';
import { FleetConfigService } from '../fleet/fleet-config-service.ts';
import type { PlaceRegistry } from '../places/place-registry.ts';
import type { CloudStore } from '../repositories/cloud-store.ts';
import { IncidentService } from './incident-service.ts';
import { LiveFeed } from './live-feed.ts';
import { MaintenanceService } from './maintenance-service.ts';
import { MessageProcessor } from './message-processor.ts';
import { ObservationService } from './observation-service.ts';
import { PermitService } from './permit-service.ts';
import { PlaceService } from './place-service.ts';
import { StatisticsService } from './statistics-service.ts';
import { TicketService } from './ticket-service.ts';
import { VehicleCorrelator } from './vehicle-correlator.ts';

/** The cloud's services wired together over one store: what ingest, API and sweep share. */
export interface CloudCore {
  store: CloudStore;
  config: Readonly<CloudConfig>;
  places: PlaceRegistry;
  live: LiveFeed;
  tickets: TicketService;
  incidents: IncidentService;
  processor: MessageProcessor;
  placeEdits: PlaceService;
  /** The muck-truck permit registry. */
  permits: PermitService;
  observations: ObservationService;
  statistics: StatisticsService;
  /** Candidate trucks for camera events; answers once the telemetry side attached its positions. */
  vehicles: VehicleCorrelator;
  /** Each edge's desired configuration; its notices go out once the MQTT side attached. */
  fleet: FleetConfigService;
  /** Cameras by health; the sweep that turns offline edges and recovered cameras into ticket changes. */
  maintenance: MaintenanceService;
  clock: () => Date;
}

export function createCloudCore(
  store: CloudStore,
  config: Readonly<CloudConfig>,
  places: PlaceRegistry,
  clock: () => Date = () => new Date(),
): CloudCore {
  const live = new LiveFeed();
  const tickets = new TicketService(store, { routing: config.routing, places, permits: config.permits });
  const incidents = new IncidentService(places, tickets, config.incidents);
  const vehicles = new VehicleCorrelator(places);
  const processor = new MessageProcessor(store, incidents, tickets, live, clock, vehicles);
  return {
    store,
    config,
    places,
    live,
    tickets,
    incidents,
    processor,
    placeEdits: new PlaceService(store, places),
    permits: new PermitService(store),
    observations: new ObservationService(store, processor.counters),
    statistics: new StatisticsService(store),
    vehicles,
    fleet: new FleetConfigService(store, clock),
    maintenance: new MaintenanceService(store, tickets, places, config.health),
    clock,
  };
}
