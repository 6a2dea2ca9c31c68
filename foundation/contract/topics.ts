import type { DeviceEventType, EventType } from './events.ts';

/** MQTT topics of the contract. An edge publishes only under `edges/{edgeId}/`. */
export const topics = {
  event: (edgeId: string, type: EventType) => `edges/${edgeId}/events/${type}`,
  /** Retained; the edge's Last Will sets it offline. */
  status: (edgeId: string) => `edges/${edgeId}/status`,
  /** What a cloud instance subscribes to, sharing the load with its group. */
  sharedEvents: (group: string) => `$share/${group}/edges/+/events/#`,
  allStatuses: 'edges/+/status',
  /**
   * Retained, published by the cloud only (edges may read only their own): the version and sha256
   * of the edge's desired configuration (foundation/edge-config/fleet-notice.ts). Outside
   * `edges/{edgeId}/`, which the edge itself may write.
   */
  fleetConfig: (edgeId: string) => `fleet/${edgeId}/config`,
  /**
   * A device event (contract/events.ts DeviceEventSchema) from the node whose rule engine raised
   * it. Same layout as camera events: one cloud subscription, one edge outbox and one ACL
   * (`edges/{nodeId}/#`) carry both; the payload's `source` tells them apart.
   */
  deviceEvent: (nodeId: string, type: DeviceEventType) => `edges/${nodeId}/events/${type}`,
  /** Where a device (vehicle terminal, sensor) publishes its readings (contract/telemetry.ts). */
  telemetry: (deviceId: string) => `devices/${deviceId}/telemetry`,
  allTelemetry: 'devices/+/telemetry',
  /** What rule-engine instances subscribe to, sharing the devices with their group. */
  sharedTelemetry: (group: string) => `$share/${group}/devices/+/telemetry`,
} as const;

/** Splits an event topic into its parts; undefined when the topic is not an event topic. */
export function parseEventTopic(topic: string): { edgeId: string; type: string } | undefined {
  const match = /^edges\/([^/]+)\/events\/([^/]+)$/.exec(topic);
  return match ? { edgeId: match[1] as string, type: match[2] as string } : undefined;
}

/** The device id of a telemetry topic; undefined when the topic is not one. */
export function parseTelemetryTopic(topic: string): { deviceId: string } | undefined {
  const match = /^devices\/([^/]+)\/telemetry$/.exec(topic);
  return match ? { deviceId: match[1] as string } : undefined;
}
