import {
  type DeviceEvent,
  type DeviceEventType,
  EVENT_SCHEMA_VERSION,
  type EventPhase,
} from '../../foundation/contract/events.ts';

/** Where a device incident came from, and what its readings measure. */
export interface DeviceEventSource {
  nodeId: string;
  rule: string;
  type: DeviceEventType;
  deviceId: string;
  plate: string | undefined;
  zone: string | undefined;
  lat: number;
  lon: number;
  metric: string;
  unit: string;
  limit: number | undefined;
}

/** What an event tells of its incident so far (a rule's episode): times, sequence, readings summary. */
interface IncidentSoFar {
  readonly startedAt: number;
  readonly observedAt: number;
  readonly endedAt: number;
  readonly sequence: number;
  readonly count: number;
  readonly min: number;
  readonly max: number;
  readonly sum: number;
  readonly last: number;
}

const round = (v: number, digits = 3) => Number(v.toFixed(digits));

/** Fixed by node, rule, device and start time, so a replay of the same readings gives the same ids. */
export function deviceIncidentId(
  source: Pick<DeviceEventSource, 'nodeId' | 'rule' | 'deviceId'>,
  startedAtMs: number,
) {
  return `${source.nodeId}:${source.rule}:${source.deviceId}:${Math.round(startedAtMs)}`;
}

export function buildDeviceEvent(
  phase: EventPhase,
  episode: IncidentSoFar,
  source: DeviceEventSource,
): DeviceEvent {
  const id = deviceIncidentId(source, episode.startedAt);
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    schemaVersion: EVENT_SCHEMA_VERSION,
    eventId: `${id}:${episode.sequence}`,
    incidentId: id,
    sequence: episode.sequence,
    type: source.type,
    phase,
    source: 'device',
    nodeId: source.nodeId,
    deviceId: source.deviceId,
    ...(source.plate ? { plate: source.plate } : {}),
    rule: source.rule,
    ...(source.zone ? { zone: source.zone } : {}),
    ...(Number.isFinite(source.lat) && Number.isFinite(source.lon)
      ? { location: { lat: round(source.lat, 6), lon: round(source.lon, 6) } }
      : {}),
    startedAt: iso(episode.startedAt),
    observedAt: iso(episode.observedAt),
    ...(phase === 'end' ? { endedAt: iso(episode.endedAt) } : {}),
    // Rules over telemetry are exact comparisons of measured values, not a model's guess.
    confidence: 1,
    ...(episode.count > 0
      ? {
          readings: {
            metric: source.metric,
            unit: source.unit,
            count: episode.count,
            min: round(episode.min),
            max: round(episode.max),
            mean: round(episode.sum / episode.count),
            last: round(episode.last),
            ...(source.limit !== undefined ? { limit: source.limit } : {}),
          },
        }
      : {}),
  };
}
