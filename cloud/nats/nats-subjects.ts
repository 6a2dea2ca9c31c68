/**
 * Where NATS's MQTT gateway keeps what edges publish, and how its subjects map back to the
 * contract's MQTT topics (foundation/contract/topics.ts).
 *
 * nats-server (2.2 and later) stores every QoS 1 PUBLISH it receives over MQTT in its own stream
 * `$MQTT_msgs`, on `$MQTT.msgs.<subject>`, and sends the PUBACK only once that store is
 * acknowledged by the stream (replicated when clustered). A stream of our own over `edges.>` gets
 * only a fire-and-forget copy: measured on nats-server 2.9.10 with a three-node cluster, killing
 * its leader mid-load lost 14,742 of 18,000 events the edges had been PUBACKed for, while
 * `$MQTT_msgs` lost none (test/nats/). So the cloud consumes `$MQTT_msgs` itself. Its retention is
 * by interest: a message is kept while a consumer whose filter matches has not acknowledged it.
 */
export const MQTT_MESSAGES_STREAM = '$MQTT_msgs';
const MQTT_MESSAGES_PREFIX = '$MQTT.msgs.';

/** Every edge's events (camera and device), as `$MQTT_msgs` holds them. */
export const EDGE_EVENTS_FILTER = `${MQTT_MESSAGES_PREFIX}edges.*.events.>`;

/** The retained statuses, `edges/{edgeId}/status`, as NATS subjects. */
export const EDGE_STATUS_SUBJECT = 'edges.*.status';

/**
 * The MQTT topic a NATS subject was published on: `edges.a.events.b` (or `$MQTT.msgs.edges.a…`)
 * → `edges/a/events/b`. The gateway maps `/` to `.`; the contract's topics hold no `.`, no empty
 * level and no leading `/`, which the gateway would map otherwise, so those are refused here
 * (undefined) rather than guessed.
 */
export function topicOfSubject(subject: string): string | undefined {
  const bare = subject.startsWith(MQTT_MESSAGES_PREFIX)
    ? subject.slice(MQTT_MESSAGES_PREFIX.length)
    : subject;
  const levels = bare.split('.');
  if (levels.some((level) => level === '' || level.includes('/'))) return undefined;
  return levels.join('/');
}
