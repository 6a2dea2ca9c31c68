import type { EventType } from './events.ts';

/** MQTT topics of the contract. An edge publishes only under `edges/{edgeId}/`. */
export const topics = {
  event: (edgeId: string, type: EventType) => `edges/${edgeId}/events/${type}`,
  /** Retained; the edge's Last Will sets it offline. */
  status: (edgeId: string) => `edges/${edgeId}/status`,
  /** What a cloud instance subscribes to, sharing the load with its group. */
  sharedEvents: (group: string) => `$share/${group}/edges/+/events/#`,
  allStatuses: 'edges/+/status',
} as const;

/** Splits an event topic into its parts; undefined when the topic is not an event topic. */
export function parseEventTopic(topic: string): { edgeId: string; type: string } | undefined {
  const match = /^edges\/([^/]+)\/events\/([^/]+)$/.exec(topic);
  return match ? { edgeId: match[1] as string, type: match[2] as string } : undefined;
}
