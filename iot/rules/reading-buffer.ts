import type { Telemetry } from '../../foundation/contract/telemetry.ts';
import type { DeviceState } from './device-state.ts';

/**
 * A device's readings held back for the allowed lateness: kept in event-time order from
 * `device.head`, released in that order. Readings are compared by stream: the position, or one
 * sensor kind.
 */

/** Whether the device already took a reading of this stream at this time (a QoS 1 redelivery). */
export function isDuplicate(device: DeviceState, reading: Telemetry, timeMs: number): boolean {
  if (timeMs === device.lastApplied) {
    for (const seen of device.appliedAtLast) if (sameStream(seen, reading)) return true;
  }
  const { times, items } = device;
  for (let k = times.length - 1; k >= device.head && (times[k] as number) >= timeMs; k--) {
    if (times[k] === timeMs && sameStream(items[k] as Telemetry, reading)) return true;
  }
  return false;
}

/** Holds a reading back, in event-time order. */
export function enqueue(device: DeviceState, reading: Telemetry, timeMs: number): void {
  const { times, items } = device;
  let k = times.length;
  times.push(timeMs);
  items.push(reading);
  // Usually in order already: shift back only past newer readings.
  while (k > device.head && (times[k - 1] as number) > timeMs) {
    times[k] = times[k - 1] as number;
    items[k] = items[k - 1] as Telemetry;
    k -= 1;
  }
  times[k] = timeMs;
  items[k] = reading;
}

/**
 * Hands the held readings up to `upTo` to `apply`, oldest first. Returns true when none is left
 * held.
 */
export function release(
  device: DeviceState,
  upTo: number,
  apply: (device: DeviceState, reading: Telemetry, timeMs: number) => void,
): boolean {
  const { times, items } = device;
  while (device.head < times.length && (times[device.head] as number) <= upTo) {
    const k = device.head++;
    apply(device, items[k] as Telemetry, times[k] as number);
  }
  if (device.head === times.length) {
    times.length = 0;
    items.length = 0;
    device.head = 0;
    return true;
  }
  if (device.head > 64 && device.head * 2 > times.length) {
    times.splice(0, device.head);
    items.splice(0, device.head);
    device.head = 0;
  }
  return false;
}

function sameStream(a: Telemetry, b: Telemetry): boolean {
  if (a.type === 'position') return b.type === 'position';
  return b.type === 'sensor' && a.kind === b.kind;
}
