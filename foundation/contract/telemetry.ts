import { z } from 'zod';
import { contractTime, text } from './limits.ts';

/**
 * The telemetry contract: what vehicle terminals (Beidou/GPS) and site sensors (dust, noise)
 * publish on `devices/{deviceId}/telemetry` (contract/topics.ts), one JSON reading per message.
 * Both rule-engine sites (an edge hub's broker, the cloud) validate with these schemas.
 *
 * Coordinates are WGS-84 as the terminals report them (not GCJ-02 map coordinates): geofences in
 * rule configs must use the same datum. Times are the device's own measurement time (event
 * time), ISO 8601 with an offset; the rules order readings by it, not by arrival.
 */
export const TELEMETRY_SCHEMA_VERSION = 1;

/** Safe inside one MQTT topic level: no "/", "+" or "#". */
export const DeviceIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/, 'letters, digits, "_", ".", ":" and "-", at most 64');

const isoTime = contractTime;
const version = z.literal(TELEMETRY_SCHEMA_VERSION).default(TELEMETRY_SCHEMA_VERSION);
const lat = z.number().min(-90).max(90);
const lon = z.number().min(-180).max(180);

export const PositionReportSchema = z.object({
  type: z.literal('position'),
  schemaVersion: version,
  deviceId: DeviceIdSchema,
  /** Licence plate, e.g. 粤A12345. */
  plate: z.string().trim().pipe(text(16)),
  lat,
  lon,
  /** Ground speed as the terminal reports it. */
  speedKmh: z.number().min(0).max(300),
  /** Degrees clockwise from north. */
  heading: z.number().min(0).lt(360).optional(),
  time: isoTime,
  /** The load-bed cover sensor, on trucks that have one. */
  cargoCover: z.enum(['covered', 'uncovered']).optional(),
});

export const SensorReadingSchema = z.object({
  type: z.literal('sensor'),
  schemaVersion: version,
  deviceId: DeviceIdSchema,
  /** What it measures: pm10, pm2_5, noise, … (lower-case, digits, "_"). */
  kind: z.string().regex(/^[a-z][a-z0-9_]{0,31}$/, 'lower-case letters, digits and "_", at most 32'),
  value: z.number(),
  /** e.g. µg/m³, dB(A). */
  unit: text(16),
  time: isoTime,
  /** Where the sensor stands, if it reports it; rule configs may also give it. */
  lat: lat.optional(),
  lon: lon.optional(),
});

export const TelemetrySchema = z.discriminatedUnion('type', [PositionReportSchema, SensorReadingSchema]);

export type PositionReport = z.infer<typeof PositionReportSchema>;
export type SensorReading = z.infer<typeof SensorReadingSchema>;
export type Telemetry = z.infer<typeof TelemetrySchema>;

/** Parses a reading from the wire; the error message names every field at fault. */
export function parseTelemetry(
  payload: unknown,
): { ok: true; value: Telemetry } | { ok: false; error: string } {
  const parsed = TelemetrySchema.safeParse(payload);
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, error: z.prettifyError(parsed.error) };
}
