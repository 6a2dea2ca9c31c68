import type { AppliedConfig } from '../../foundation/contract/edge-status.ts';
import type { FleetConfigInput } from '../../foundation/edge-config/fleet-config-schema.ts';
import {
  configSha256,
  type DesiredConfig,
  type FleetConfigNotice,
} from '../../foundation/edge-config/fleet-notice.ts';
import { CloudError } from '../errors.ts';
import type { CloudStore } from '../repositories/cloud-store.ts';
import type { EdgeConfigSummary, StoredEdgeConfig } from '../repositories/fleet-config-repository.ts';
import type { EdgeConfigState, EdgeConfigVersion, EdgeConfigVersionWithBody } from './fleet-schema.ts';

/** Where the cloud tells edges that their desired configuration changed (fleet-notice-publisher.ts). */
export interface FleetNoticeSink {
  publish(notice: FleetConfigNotice): void;
}

/** Who saves a configuration (a supervisor or an admin: the route checks). */
export interface ConfigAuthor {
  name: string;
  role: string;
}

/**
 * Each edge's desired configuration: every save is a new version with its author (the audit);
 * the newest is announced to the edge (a retained notice), which pulls it with its own token.
 */
export class FleetConfigService {
  private sink: FleetNoticeSink | undefined;

  constructor(
    private readonly store: CloudStore,
    private readonly clock: () => Date,
  ) {}

  /** From now on saves are announced here (the MQTT side starts after the API). */
  attach(sink: FleetNoticeSink): void {
    this.sink = sink;
  }

  /** The newest version of every edge, as notices (the publisher sends them again on each reconnect). */
  async notices(): Promise<FleetConfigNotice[]> {
    return (await this.store.fleetConfigs.latestOfEach()).map(notice);
  }

  /** Saves `config` (already validated) as the edge's next version and announces it. */
  async save(
    author: ConfigAuthor,
    edgeId: string,
    config: FleetConfigInput,
    note?: string,
  ): Promise<EdgeConfigVersionWithBody> {
    const body = config as Record<string, unknown>;
    const saved = await this.store.fleetConfigs.insertNext({
      edgeId,
      config: body,
      sha256: configSha256(body),
      savedBy: author.name,
      role: author.role,
      savedAt: this.clock(),
      note: note ?? null,
    });
    this.sink?.publish(notice(saved));
    return withBody(saved);
  }

  async state(edgeId: string): Promise<EdgeConfigState> {
    const desired = await this.store.fleetConfigs.get(edgeId);
    const edge = (await this.store.ingest.edges()).find((e) => e.edgeId === edgeId);
    const applied: AppliedConfig | null = edge?.status.config ?? null;
    return {
      edgeId,
      desired: desired ? withBody(desired) : null,
      applied,
      edgeState: edge?.state ?? null,
      inSync: desired !== undefined && applied?.source === 'cloud' && applied.version === desired.version,
    };
  }

  async history(edgeId: string): Promise<{ edgeId: string; versions: EdgeConfigVersion[] }> {
    return { edgeId, versions: (await this.store.fleetConfigs.history(edgeId)).map(view) };
  }

  async version(edgeId: string, version: number): Promise<EdgeConfigVersionWithBody> {
    const found = await this.store.fleetConfigs.get(edgeId, version);
    if (!found) throw notFound(edgeId, version);
    return withBody(found);
  }

  /** What the edge pulls: its newest version. */
  async forEdge(edgeId: string): Promise<DesiredConfig> {
    const found = await this.store.fleetConfigs.get(edgeId);
    if (!found) throw notFound(edgeId);
    return {
      edgeId,
      version: found.version,
      sha256: found.sha256,
      config: found.config,
      savedBy: found.savedBy,
      savedAt: found.savedAt.toISOString(),
    };
  }
}

function notice(entry: EdgeConfigSummary): FleetConfigNotice {
  return { edgeId: entry.edgeId, version: entry.version, sha256: entry.sha256 };
}

function view(entry: EdgeConfigSummary): EdgeConfigVersion {
  return {
    edgeId: entry.edgeId,
    version: entry.version,
    sha256: entry.sha256,
    savedBy: entry.savedBy,
    role: entry.role,
    savedAt: entry.savedAt.toISOString(),
    note: entry.note,
  };
}

function withBody(entry: StoredEdgeConfig): EdgeConfigVersionWithBody {
  return { ...view(entry), config: entry.config };
}

function notFound(edgeId: string, version?: number): CloudError {
  const what = version === undefined ? 'no desired configuration' : `no configuration version ${version}`;
  return new CloudError('NOT_FOUND', `edge ${edgeId} has ${what}`, {
    edgeId,
    ...(version === undefined ? {} : { version }),
  });
}
