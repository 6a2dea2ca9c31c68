import type { DeviceEvent } from '../../foundation/contract/events.ts';
import {
  buildDeviceEvent,
  type DeviceEventSource,
  deviceIncidentId,
} from '../events/device-event-builder.ts';
import type { DeviceState, RuleState } from './device-state.ts';
import { Episode, type EpisodeSnapshot } from './episode.ts';
import { metricOf } from './rule-conditions.ts';

/**
 * An open incident of the rule engine as data: what a rules node journals so that, after a crash,
 * its incidents are carried on rather than left open for good or raised a second time.
 *
 * On `RuleEngine.resume` each is opened again as it was (same incident id, the sequence going on,
 * updates on the same grid, the end once its condition has been clear for `clearSeconds`). One that
 * no reading of its device takes up by `lastActiveAt` + its grace (the rule's `clearSeconds`, at
 * least the config's `resumeGraceSeconds`), by event time, is ended then, its `endedAt` the last time
 * its condition held. One whose rule is gone from the config is ended at once.
 */
export interface OpenDeviceIncident {
  incidentId: string;
  /** Everything its events carry about where it comes from (its rule, device, place, metric). */
  source: DeviceEventSource;
  episode: EpisodeSnapshot;
  /** Threshold rules: above `high` and not yet below `low`. */
  above: boolean;
  /** Silence rules: the time of the device's last matching reading. */
  lastSeen?: number;
}

/** The `end` of a journaled incident, dated when its condition last held (its rule is gone, or it was not taken up). */
export function endOfJournaled(incident: OpenDeviceIncident, atMs: number): DeviceEvent {
  const episode = new Episode({ minDurationMs: 0, clearMs: 0, updateMs: 0 });
  episode.restore(incident.episode);
  episode.close(Math.max(atMs, incident.episode.lastActiveAt));
  return buildDeviceEvent('end', episode, incident.source);
}

/** What the events of a rule's incident on a device carry about where they come from. */
export function incidentSource(nodeId: string, state: RuleState, device: DeviceState): DeviceEventSource {
  const rule = state.compiled.rule;
  return {
    nodeId,
    rule: rule.name,
    type: rule.event,
    deviceId: device.id,
    plate: device.plate,
    zone: state.compiled.areaName,
    lat: device.lat,
    lon: device.lon,
    ...metricOf(state.compiled, device.unit),
  };
}

/** The state's incident as a journal keeps it; undefined when none is open. */
export function openIncidentOf(
  nodeId: string,
  state: RuleState,
  device: DeviceState,
): OpenDeviceIncident | undefined {
  const episode = state.episode.snapshot();
  if (!episode) return undefined;
  const source = incidentSource(nodeId, state, device);
  return {
    incidentId: deviceIncidentId(source, episode.startedAt),
    source,
    episode,
    above: state.above,
    ...(state.compiled.rule.kind === 'silence' ? { lastSeen: state.lastSeen } : {}),
  };
}

/** What the journal knew of a device the restarted engine has not heard from yet. */
export function restoreDevice(device: DeviceState, source: DeviceEventSource): void {
  device.plate ??= source.plate;
  if (Number.isNaN(device.lat) || Number.isNaN(device.lon)) {
    device.lat = source.lat;
    device.lon = source.lon;
  }
  device.unit ||= source.unit;
}
