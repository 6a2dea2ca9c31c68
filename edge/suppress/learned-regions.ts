import {
  type EdgeSuppressionRegions,
  isExpired,
  type SuppressionRegion,
} from '../../foundation/suppression/suppression-region.ts';
import type { SuppressionFile } from './suppression-file.ts';
import type { RegionSource } from './suppression-filter.ts';

/** Until the cloud says otherwise. */
const DEFAULT_EXPIRE_AFTER_DAYS = 14;

/**
 * The suppression regions an edge applies: the cloud's latest answer (or the stored file), with
 * when each last matched on this box. A region whose last match (or rejection) is older than
 * `expireAfterDays` is no longer applied, with or without the cloud.
 */
export class LearnedRegions implements RegionSource {
  private byCamera = new Map<string, SuppressionRegion[]>();
  private expireAfterDays = DEFAULT_EXPIRE_AFTER_DAYS;
  private fetchedAt: string | null = null;
  private readonly lastMatch = new Map<string, number>();
  private changed = false;

  constructor(stored?: SuppressionFile) {
    if (!stored) return;
    this.use(stored.regions, stored.expireAfterDays);
    this.fetchedAt = stored.fetchedAt;
    for (const [id, at] of Object.entries(stored.matches)) this.lastMatch.set(id, Date.parse(at));
  }

  regions(cameraId: string, nowMs: number): readonly SuppressionRegion[] {
    const regions = this.byCamera.get(cameraId) ?? [];
    return regions.filter((r) => !isExpired(this.lastMatchedMs(r), nowMs, this.expireAfterDays));
  }

  matched(regionId: string, atMs: number): void {
    if ((this.lastMatch.get(regionId) ?? Number.NEGATIVE_INFINITY) >= atMs) return;
    this.lastMatch.set(regionId, atMs);
    this.changed = true;
  }

  /** Takes the cloud's answer: regions it no longer serves (removed, expired) stop at once. */
  replace(served: EdgeSuppressionRegions, at: Date): void {
    this.use(served.regions, served.expireAfterDays);
    this.fetchedAt = at.toISOString();
    const ids = new Set(served.regions.map((r) => r.id));
    for (const id of this.lastMatch.keys()) if (!ids.has(id)) this.lastMatch.delete(id);
    this.changed = true;
  }

  /** Matches on this box, for the cloud. */
  matches(): { regionId: string; lastMatchedAt: string }[] {
    return [...this.lastMatch].map(([regionId, ms]) => ({
      regionId,
      lastMatchedAt: new Date(ms).toISOString(),
    }));
  }

  /** Whether anything changed since the last `snapshot()`. */
  get dirty(): boolean {
    return this.changed;
  }

  /** What to store, and from then on nothing has changed. */
  snapshot(): SuppressionFile {
    this.changed = false;
    return {
      version: 1,
      fetchedAt: this.fetchedAt,
      expireAfterDays: this.expireAfterDays,
      regions: [...this.byCamera.values()].flat(),
      matches: Object.fromEntries(this.matches().map((m) => [m.regionId, m.lastMatchedAt])),
    };
  }

  private use(regions: readonly SuppressionRegion[], expireAfterDays: number): void {
    this.expireAfterDays = expireAfterDays;
    this.byCamera = new Map();
    for (const region of regions) {
      this.byCamera.set(region.cameraId, [...(this.byCamera.get(region.cameraId) ?? []), region]);
    }
  }

  private lastMatchedMs(region: SuppressionRegion): number {
    return Math.max(
      Date.parse(region.lastMatchedAt),
      this.lastMatch.get(region.id) ?? Number.NEGATIVE_INFINITY,
    );
  }
}
