import type { Telemetry } from '../../foundation/contract/telemetry.ts';
import { type CompiledRule, inHours } from './compiled-rule.ts';

/** Whether a position rule (geofence, rate) holds for a reading at `minute` of the local day. */
export function positionActive(
  c: CompiledRule,
  lat: number,
  lon: number,
  speed: number,
  minute: number,
): boolean {
  const rule = c.rule;
  if (rule.kind === 'rate') return speed > rule.maxSpeedKmh && (!c.area || c.area.contains(lon, lat));
  if (rule.kind !== 'geofence') return false;
  if (c.activeHours && !inHours(minute, c.activeHours)) return false;
  if (rule.maxSpeedKmh !== undefined && speed > rule.maxSpeedKmh) return false;
  const inside = (c.area as NonNullable<CompiledRule['area']>).contains(lon, lat);
  const offHours = c.permittedHours !== undefined && !inHours(minute, c.permittedHours);
  return (rule.trigger === 'inside' ? inside : !inside) || offHours;
}

/** Whether a silence rule watches this kind of reading. */
export function silenceMatches(c: CompiledRule, reading: Telemetry): boolean {
  const rule = c.rule;
  if (rule.kind !== 'silence') return false;
  if (rule.reports === 'any') return true;
  if (rule.reports !== reading.type) return false;
  return reading.type === 'position' || rule.sensor === undefined || rule.sensor === reading.kind;
}

/** Whether the rule applies to the device (no `devices` list: every device). */
export function admits(c: CompiledRule, deviceId: string): boolean {
  return !c.devices || c.devices.has(deviceId);
}

/** What a rule's events measure, in which unit, against which limit. */
export function metricOf(
  c: CompiledRule,
  deviceUnit: string,
): { metric: string; unit: string; limit: number | undefined } {
  const rule = c.rule;
  switch (rule.kind) {
    case 'threshold':
      return { metric: rule.sensor, unit: deviceUnit, limit: rule.high };
    case 'rate':
      return { metric: 'speed_kmh', unit: 'km/h', limit: rule.maxSpeedKmh };
    case 'geofence':
      return { metric: 'speed_kmh', unit: 'km/h', limit: undefined };
    case 'silence':
      return { metric: 'silent_seconds', unit: 's', limit: rule.seconds };
  }
}
