import type { PositionReport, SensorReading, Telemetry } from '../../foundation/contract/telemetry.ts';
import { distanceMeters, type LonLat } from '../../foundation/geometry/lon-lat.ts';
import { Rng } from '../../foundation/util/seeded-rng.ts';

export interface VehicleSpec {
  deviceId: string;
  plate: string;
  /** [lon, lat] waypoints, driven in order at `speedKmh`. */
  route: readonly LonLat[];
  speedKmh: number;
  startMs: number;
  intervalSeconds: number;
  /** GPS error (standard deviation, metres) and speed jitter (km/h). */
  positionNoiseMeters?: number;
  speedNoiseKmh?: number;
  /** Stops this long at waypoint `atWaypoint` (a dumping spot, a site gate). */
  stop?: { atWaypoint: number; seconds: number };
  cargoCover?: 'covered' | 'uncovered';
  seed: number;
}

const METRES_PER_DEGREE = 111_320;

/** Position reports of one vehicle driving its route, with seeded GPS and speed noise. */
export function simulateVehicle(spec: VehicleSpec): PositionReport[] {
  const random = new Rng(spec.seed);
  const out: PositionReport[] = [];
  const step = spec.intervalSeconds;
  const metresPerSecond = spec.speedKmh / 3.6;
  let t = spec.startMs;
  const report = (lon: number, lat: number, speed: number, heading: number) => {
    const noise = spec.positionNoiseMeters ?? 0;
    const dLat = gaussian(random, noise) / METRES_PER_DEGREE;
    const dLon = gaussian(random, noise) / (METRES_PER_DEGREE * Math.cos((lat * Math.PI) / 180));
    out.push({
      type: 'position',
      schemaVersion: 1,
      deviceId: spec.deviceId,
      plate: spec.plate,
      lat: lat + dLat,
      lon: lon + dLon,
      speedKmh: Math.max(0, speed + (speed > 0 ? gaussian(random, spec.speedNoiseKmh ?? 0) : 0)),
      heading,
      time: new Date(t).toISOString(),
      ...(spec.cargoCover ? { cargoCover: spec.cargoCover } : {}),
    });
    t += step * 1000;
  };
  let carry = 0;
  for (let k = 1; k < spec.route.length; k++) {
    const [lon1, lat1] = spec.route[k - 1] as LonLat;
    const [lon2, lat2] = spec.route[k] as LonLat;
    const length = distanceMeters(spec.route[k - 1] as LonLat, spec.route[k] as LonLat);
    const heading =
      (Math.atan2((lon2 - lon1) * Math.cos((lat1 * Math.PI) / 180), lat2 - lat1) * 180) / Math.PI;
    const h = Math.round(((heading % 360) + 360) % 360) % 360;
    let along = carry;
    for (; along < length; along += metresPerSecond * step) {
      const f = along / length;
      report(lon1 + f * (lon2 - lon1), lat1 + f * (lat2 - lat1), spec.speedKmh, h);
    }
    carry = along - length;
    if (spec.stop?.atWaypoint === k) {
      for (let s = 0; s < spec.stop.seconds; s += step) report(lon2, lat2, 0, h);
    }
  }
  const [lon, lat] = spec.route[spec.route.length - 1] as LonLat;
  report(lon, lat, 0, 0);
  return out;
}

export interface SensorSpec {
  deviceId: string;
  kind: string;
  unit: string;
  startMs: number;
  durationSeconds: number;
  intervalSeconds: number;
  /** The true level at `seconds` after the start. */
  level: (seconds: number) => number;
  /** Measurement noise (standard deviation). */
  noise: number;
  seed: number;
  lat?: number;
  lon?: number;
}

/** Readings of one sensor following `level`, with seeded noise, never below 0. */
export function simulateSensor(spec: SensorSpec): SensorReading[] {
  const random = new Rng(spec.seed);
  const out: SensorReading[] = [];
  for (let s = 0; s <= spec.durationSeconds; s += spec.intervalSeconds) {
    out.push({
      type: 'sensor',
      schemaVersion: 1,
      deviceId: spec.deviceId,
      kind: spec.kind,
      value: Math.max(0, Number((spec.level(s) + gaussian(random, spec.noise)).toFixed(2))),
      unit: spec.unit,
      time: new Date(spec.startMs + s * 1000).toISOString(),
      ...(spec.lat !== undefined && spec.lon !== undefined ? { lat: spec.lat, lon: spec.lon } : {}),
    });
  }
  return out;
}

/** Several devices' streams as they would arrive with no network delay: by time (stable). */
export function mergeByTime(...streams: readonly Telemetry[][]): Telemetry[] {
  return streams
    .flat()
    .map((reading, k) => ({ reading, k, t: Date.parse(reading.time) }))
    .sort((a, b) => a.t - b.t || a.k - b.k)
    .map((x) => x.reading);
}

/**
 * Normal with mean 0 and standard deviation `sd` (Box-Muller). Not Rng.gaussian: this one draws
 * log(u) rather than log(1 - u), and seeded scenarios must replay the telemetry they always made.
 */
export function gaussian(random: Rng, sd: number): number {
  const u = Math.max(random.next(), 1e-12);
  return sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.next());
}
