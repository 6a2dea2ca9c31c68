import { evidencePath } from '../../foundation/contract/evidence-upload.ts';
import { type LearnedRegion, learnRegions } from '../../foundation/suppression/learn-regions.ts';
import {
  type EdgeSuppressionRegions,
  isExpired,
  type SuppressionMatches,
} from '../../foundation/suppression/suppression-region.ts';
import type { SuppressionConfig } from '../config/suppression-config.ts';
import { CloudError } from '../errors.ts';
import type { CloudStore, Repositories } from '../repositories/cloud-store.ts';
import type { RejectionFilter } from '../repositories/suppression-repository.ts';
import type { CameraRegion, CameraSuppression, RemovedRegion } from './suppression-schema.ts';

const DAY_MS = 86_400_000;

interface Derived {
  region: LearnedRegion;
  lastMatchedAt: Date;
  expired: boolean;
}

/** Who removes a region (a supervisor or an admin: the route checks). */
export interface Remover {
  name: string;
  role: string;
}

/**
 * Per-camera suppression regions, learned on read from the "not an object" verdicts of the
 * current labels (foundation/suppression/learn-regions.ts), so a relabelled snapshot changes them
 * at once. Rejections of a removed region are left out of learning: they never make it again, and
 * new rejections at the same place make a new region. A region lapses after `expireAfterDays`
 * without a match on its edge or a new rejection.
 */
export class SuppressionService {
  constructor(
    private readonly store: CloudStore,
    private readonly config: Readonly<SuppressionConfig>,
    private readonly clock: () => Date,
  ) {}

  async forCamera(edgeId: string, cameraId: string): Promise<CameraSuppression> {
    const filter = { edgeId, cameraId };
    const derived = await this.derive(this.store, filter);
    const removals = await this.store.suppression.removals(filter);
    const snapshot = await this.store.suppression.latestSnapshot(edgeId, cameraId);
    return {
      edgeId,
      cameraId,
      expireAfterDays: this.config.expireAfterDays,
      minRejections: this.config.minRejections,
      regions: derived.map((d) => this.describe(d)),
      removed: removals.map(
        (r): RemovedRegion => ({
          id: r.regionId,
          label: r.label,
          box: r.box,
          rejections: new Set(r.rejectionKeys.map((k) => k.split(':')[0])).size,
          removedBy: r.removedBy,
          role: r.role,
          removedAt: r.removedAt.toISOString(),
        }),
      ),
      snapshot: snapshot ? { ...snapshot, url: evidencePath(snapshot.sha256) } : null,
    };
  }

  /** The regions an edge applies: its cameras' regions that have not lapsed. */
  async forEdge(edgeId: string): Promise<EdgeSuppressionRegions> {
    const derived = await this.derive(this.store, { edgeId });
    return {
      edgeId,
      expireAfterDays: this.config.expireAfterDays,
      regions: derived.filter((d) => !d.expired).map((d) => this.served(d)),
    };
  }

  /** Notes the matches an edge reports on its own regions; ids it does not have are ignored. */
  async recordMatches(edgeId: string, report: SuppressionMatches): Promise<{ recorded: number }> {
    const own = new Set((await this.derive(this.store, { edgeId })).map((d) => d.region.id));
    const now = this.clock().getTime();
    let recorded = 0;
    for (const match of report.matches) {
      if (!own.has(match.regionId)) continue;
      // An edge's clock running ahead cannot keep a region alive beyond now.
      const at = new Date(Math.min(Date.parse(match.lastMatchedAt), now));
      await this.store.suppression.recordMatch(edgeId, match.regionId, at);
      recorded += 1;
    }
    return { recorded };
  }

  /** Removes a region for good (SUPPRESSION_REGION_NOT_FOUND when the camera has no such region). */
  async remove(by: Remover, edgeId: string, cameraId: string, regionId: string): Promise<RemovedRegion> {
    return this.store.transaction(async (repos) => {
      const found = (await this.derive(repos, { edgeId, cameraId })).find((d) => d.region.id === regionId);
      if (!found) {
        throw new CloudError(
          'SUPPRESSION_REGION_NOT_FOUND',
          `camera ${edgeId}/${cameraId} has no suppression region ${regionId}; its regions are listed in GET /api/v1/cameras/${edgeId}/${cameraId}/suppression-regions`,
          { regionId },
        );
      }
      const { region } = found;
      const at = this.clock();
      await repos.suppression.remove({
        regionId,
        edgeId,
        cameraId,
        label: region.label,
        box: region.box,
        rejectionKeys: region.sources.map((s) => s.key),
        removedBy: by.name,
        role: by.role,
        removedAt: at,
      });
      return {
        id: regionId,
        label: region.label,
        box: region.box,
        rejections: region.rejections,
        removedBy: by.name,
        role: by.role,
        removedAt: at.toISOString(),
      };
    });
  }

  private async derive(repos: Repositories, filter: RejectionFilter): Promise<Derived[]> {
    // One after another: inside a transaction they share one connection.
    const rejections = await repos.suppression.rejections(filter);
    const removals = await repos.suppression.removals(filter);
    const removedKeys = new Set(removals.flatMap((r) => r.rejectionKeys));
    const removedIds = new Set(removals.map((r) => r.regionId));
    const regions = learnRegions(
      rejections.filter((r) => !removedKeys.has(r.key)),
      this.config,
    ).filter((r) => !removedIds.has(r.id));
    const matches = await repos.suppression.matches(regions.map((r) => r.id));
    const now = this.clock().getTime();
    return regions.map((region) => {
      const last = Math.max(Date.parse(region.lastRejectedAt), matches.get(region.id)?.getTime() ?? 0);
      return {
        region,
        lastMatchedAt: new Date(last),
        expired: isExpired(last, now, this.config.expireAfterDays),
      };
    });
  }

  private served({ region, lastMatchedAt }: Derived) {
    return {
      id: region.id,
      edgeId: region.edgeId,
      cameraId: region.cameraId,
      label: region.label,
      box: region.box,
      rejections: region.rejections,
      createdAt: region.createdAt,
      lastMatchedAt: lastMatchedAt.toISOString(),
    };
  }

  private describe(derived: Derived): CameraRegion {
    return {
      ...this.served(derived),
      status: derived.expired ? 'expired' : 'active',
      expiresAt: new Date(
        derived.lastMatchedAt.getTime() + this.config.expireAfterDays * DAY_MS,
      ).toISOString(),
      sources: derived.region.sources,
    };
  }
}
