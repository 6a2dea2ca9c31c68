import type { Telemetry } from '../../foundation/contract/telemetry.ts';
import type { LonLat } from '../../foundation/geometry/lon-lat.ts';
import { mergeByTime, simulateSensor, simulateVehicle } from './simulate.ts';

/** The road through the school's no-go area, west to east, that truck-a drives. */
export const SCHOOL_ROAD: readonly LonLat[] = [
  [113.36, 22.94],
  [113.38, 22.94],
];

/** The road past the river bank where truck-c stands for five minutes (waypoint 1). */
export const RIVER_BANK_ROUTE: readonly LonLat[] = [
  [113.385, 22.92],
  [113.39, 22.925],
  [113.395, 22.93],
];

/**
 * An hour of telemetry around Shiqiao, Panyu, matching fixtures/iot/panyu-rules.yaml: a truck
 * crossing the school's no-go area, a truck speeding in the school streets, a truck standing at the
 * river bank, a routed truck leaving its corridor, a dust episode at a site, a noise sensor hovering
 * at its limit, and a sensor that falls silent. Seeded: the same seed gives the same readings.
 */
export function demoTelemetry(startMs: number, seed = 1): Telemetry[] {
  const noisy = { positionNoiseMeters: 4, speedNoiseKmh: 1.5, intervalSeconds: 10 };
  const crossing = simulateVehicle({
    ...noisy,
    deviceId: 'truck-a',
    plate: '粤AD1234',
    route: SCHOOL_ROAD,
    speedKmh: 25,
    startMs,
    cargoCover: 'covered',
    seed: seed + 1,
  });
  const speeding = simulateVehicle({
    ...noisy,
    deviceId: 'truck-b',
    plate: '粤AF5678',
    route: [
      [113.36, 22.937],
      [113.38, 22.937],
    ],
    speedKmh: 45,
    startMs: startMs + 600_000,
    cargoCover: 'uncovered',
    seed: seed + 2,
  });
  const dumping = simulateVehicle({
    ...noisy,
    deviceId: 'truck-c',
    plate: '粤AK9012',
    route: RIVER_BANK_ROUTE,
    speedKmh: 20,
    stop: { atWaypoint: 1, seconds: 300 },
    startMs: startMs + 300_000,
    seed: seed + 3,
  });
  const offRoute = simulateVehicle({
    ...noisy,
    deviceId: 'truck-routed-1',
    plate: '粤AM3456',
    route: [
      [113.36, 22.93],
      [113.37, 22.93],
      [113.37, 22.92],
      [113.38, 22.92],
      [113.38, 22.93],
      [113.39, 22.94],
    ],
    speedKmh: 30,
    startMs,
    seed: seed + 4,
  });
  const hour = 3600;
  const dust = simulateSensor({
    deviceId: 'dust-site-1',
    kind: 'pm10',
    unit: 'µg/m³',
    startMs,
    durationSeconds: hour,
    intervalSeconds: 30,
    level: (s) => (s >= 600 && s < 2400 ? 210 : 80),
    noise: 12,
    seed: seed + 5,
  });
  const noise = simulateSensor({
    deviceId: 'noise-site-1',
    kind: 'noise',
    unit: 'dB(A)',
    startMs,
    durationSeconds: hour,
    intervalSeconds: 10,
    level: () => 69,
    noise: 1.5,
    seed: seed + 6,
  });
  const fading = simulateSensor({
    deviceId: 'dust-site-2',
    kind: 'pm10',
    unit: 'µg/m³',
    startMs,
    durationSeconds: 600,
    intervalSeconds: 30,
    level: () => 60,
    noise: 5,
    seed: seed + 7,
    lat: 22.95,
    lon: 113.37,
  });
  return mergeByTime(crossing, speeding, dumping, offRoute, dust, noise, fading);
}
