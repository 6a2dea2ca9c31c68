import type { PositionReport } from '../../foundation/contract/telemetry.ts';

export interface StoredPosition {
  deviceId: string;
  plate: string;
  lat: number;
  lon: number;
  timeMs: number;
  cargoCover: 'covered' | 'uncovered' | undefined;
}

export interface PositionStoreOptions {
  /** Positions older than this behind the newest are dropped. */
  retentionSeconds: number;
  /** Grid cell edge, in degrees of latitude (0.0025° ≈ 280 m). */
  cellDegrees: number;
  /** Time slice of the index. */
  bucketSeconds: number;
}

const DEFAULTS: PositionStoreOptions = { retentionSeconds: 900, cellDegrees: 0.0025, bucketSeconds: 30 };
const METRES_PER_DEGREE = 111_320;

/**
 * Recent vehicle positions indexed by time slice and grid cell, for "which trucks were near this
 * camera at that time". Whole slices are dropped as they age out, so pruning costs nothing per
 * position.
 */
export class PositionStore {
  private readonly options: PositionStoreOptions;
  private readonly buckets = new Map<number, Map<number, StoredPosition[]>>();
  private newestMs = Number.NEGATIVE_INFINITY;
  private count = 0;

  constructor(options: Partial<PositionStoreOptions> = {}) {
    this.options = { ...DEFAULTS, ...options };
  }

  get size(): number {
    return this.count;
  }

  /** Time of the newest position kept (-Infinity while empty). */
  get newestTimeMs(): number {
    return this.newestMs;
  }

  add(report: PositionReport, timeMs: number = Date.parse(report.time)): void {
    const bucketMs = this.options.bucketSeconds * 1000;
    if (timeMs < this.newestMs - this.options.retentionSeconds * 1000) return;
    const b = Math.floor(timeMs / bucketMs);
    let cells = this.buckets.get(b);
    if (!cells) {
      cells = new Map();
      this.buckets.set(b, cells);
    }
    const key = this.cellKey(this.cell(report.lat), this.cell(report.lon));
    let list = cells.get(key);
    if (!list) {
      list = [];
      cells.set(key, list);
    }
    list.push({
      deviceId: report.deviceId,
      plate: report.plate,
      lat: report.lat,
      lon: report.lon,
      timeMs,
      cargoCover: report.cargoCover,
    });
    this.count += 1;
    if (timeMs > this.newestMs) {
      this.newestMs = timeMs;
      this.prune();
    }
  }

  /** Positions within the box around (lat, lon) that holds the radius, between the two times. */
  near(lat: number, lon: number, radiusMeters: number, fromMs: number, toMs: number): StoredPosition[] {
    const bucketMs = this.options.bucketSeconds * 1000;
    const dLat = radiusMeters / METRES_PER_DEGREE;
    const dLon = dLat / Math.max(0.01, Math.cos((lat * Math.PI) / 180));
    const out: StoredPosition[] = [];
    for (let b = Math.floor(fromMs / bucketMs); b <= Math.floor(toMs / bucketMs); b++) {
      const cells = this.buckets.get(b);
      if (!cells) continue;
      for (let y = this.cell(lat - dLat); y <= this.cell(lat + dLat); y++) {
        for (let x = this.cell(lon - dLon); x <= this.cell(lon + dLon); x++) {
          for (const p of cells.get(this.cellKey(y, x)) ?? []) {
            if (p.timeMs >= fromMs && p.timeMs <= toMs) out.push(p);
          }
        }
      }
    }
    return out;
  }

  private cell(degrees: number): number {
    return Math.floor(degrees / this.options.cellDegrees);
  }

  private cellKey(latCell: number, lonCell: number): number {
    return (latCell + 200_000) * 1_000_000 + (lonCell + 200_000);
  }

  private prune(): void {
    const oldest = Math.floor(
      (this.newestMs - this.options.retentionSeconds * 1000) / (this.options.bucketSeconds * 1000),
    );
    for (const [b, cells] of this.buckets) {
      if (b >= oldest) continue;
      for (const list of cells.values()) this.count -= list.length;
      this.buckets.delete(b);
    }
  }
}
