import type { Database, Queryable } from '../db/database.ts';
import { CameraRepository } from './camera-repository.ts';
import { FleetConfigRepository } from './fleet-config-repository.ts';
import { IncidentRepository } from './incident-repository.ts';
import { IngestRepository } from './ingest-repository.ts';
import { LabelRepository } from './label-repository.ts';
import { MaintenanceRepository } from './maintenance-repository.ts';
import { ModelRepository } from './model-repository.ts';
import { PermitRepository } from './permit-repository.ts';
import { PlaceRepository } from './place-repository.ts';
import { StatisticsRepository } from './statistics-repository.ts';
import { SuppressionRepository } from './suppression-repository.ts';
import { TicketRepository } from './ticket-repository.ts';

/** Every repository over one connection or transaction: the only modules that speak SQL. */
export interface Repositories {
  readonly tickets: TicketRepository;
  readonly incidents: IncidentRepository;
  readonly ingest: IngestRepository;
  readonly places: PlaceRepository;
  readonly cameras: CameraRepository;
  readonly statistics: StatisticsRepository;
  readonly permits: PermitRepository;
  readonly labels: LabelRepository;
  readonly maintenance: MaintenanceRepository;
  readonly suppression: SuppressionRepository;
  readonly fleetConfigs: FleetConfigRepository;
  readonly models: ModelRepository;
}

/** The repositories over the database, and the same repositories inside one transaction. */
export interface CloudStore extends Repositories {
  readonly kind: Database['kind'];
  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (repos: Repositories) => Promise<T>): Promise<T>;
}

function repositories(db: Queryable): Repositories {
  return {
    tickets: new TicketRepository(db),
    incidents: new IncidentRepository(db),
    ingest: new IngestRepository(db),
    places: new PlaceRepository(db),
    cameras: new CameraRepository(db),
    statistics: new StatisticsRepository(db),
    permits: new PermitRepository(db),
    labels: new LabelRepository(db),
    maintenance: new MaintenanceRepository(db),
    suppression: new SuppressionRepository(db),
    fleetConfigs: new FleetConfigRepository(db),
    models: new ModelRepository(db),
  };
}

export function openCloudStore(db: Database): CloudStore {
  return {
    ...repositories(db),
    kind: db.kind,
    transaction: (work) => db.transaction((tx) => work(repositories(tx))),
  };
}
