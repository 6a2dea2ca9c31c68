import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamManager,
  RetentionPolicy,
  StorageType,
} from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import { EDGE_EVENTS_FILTER, EDGE_STATUS_SUBJECT, MQTT_MESSAGES_STREAM } from './nats-subjects.ts';

export interface JetStreamSetupOptions {
  /** The durable consumers' names start with this; every cloud instance uses the same. */
  durable: string;
  /** The last-value stream of the edges' retained statuses. */
  statusStream: string;
  /** Of the status stream (the gateway sizes `$MQTT_msgs` itself: min(3, cluster size)). */
  replicas: number;
  ackWaitSeconds: number;
  /** Outstanding unacknowledged events, over all instances together. */
  maxAckPending: number;
}

/** One pull consumer this cloud reads: its stream and its durable name. */
export interface ConsumerRef {
  stream: string;
  durable: string;
}

/**
 * Whether setting up may succeed later: `$MQTT_msgs` not made yet, or no answer (a cluster that is
 * electing leaders answers nothing for seconds). Any other refusal is a setting to fix.
 */
export function isWorthWaitingFor(error: unknown): boolean {
  return !(error instanceof JetStreamApiError) || error.code === JetStreamApiCodes.StreamNotFound;
}

const isApiError = (error: unknown, code: number) =>
  error instanceof JetStreamApiError && error.code === code;

/**
 * The statuses go to a stream of our own that keeps one message per subject (the newest status of
 * each edge), not to `$MQTT_msgs`: a status is state, not an event, so a cloud that was away needs
 * the last one of each edge, not every heartbeat. A status lost on its way there (that copy is
 * not acknowledged to the edge) is replaced by the edge's next one. A KV bucket holds the same
 * thing but lives under `$KV.…`, which MQTT topics cannot name, so it would need a writer in between.
 */
async function ensureStatusStream(jsm: JetStreamManager, options: JetStreamSetupOptions): Promise<void> {
  const config = {
    name: options.statusStream,
    subjects: [EDGE_STATUS_SUBJECT],
    max_msgs_per_subject: 1,
    num_replicas: options.replicas,
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
  };
  try {
    await jsm.streams.add(config);
  } catch (error) {
    // Another instance made it first, or with other settings: take this instance's (same for all).
    if (!(error instanceof JetStreamApiError)) throw error;
    await jsm.streams.update(config.name, config);
  }
}

/** Creates the durable unless it exists (several instances may race here: either wins). */
async function ensureConsumer(
  jsm: JetStreamManager,
  ref: ConsumerRef,
  config: Parameters<JetStreamManager['consumers']['add']>[1],
): Promise<void> {
  try {
    await jsm.consumers.info(ref.stream, ref.durable);
    return;
  } catch (error) {
    if (!isApiError(error, JetStreamApiCodes.ConsumerNotFound)) throw error;
  }
  try {
    await jsm.consumers.add(ref.stream, config);
  } catch (error) {
    await jsm.consumers.info(ref.stream, ref.durable).catch(() => {
      throw error;
    });
  }
}

/**
 * Makes the status stream and the two durable pull consumers all cloud instances share: the
 * events' on `$MQTT_msgs` and the statuses'. `$MQTT_msgs` is made by the MQTT gateway when its
 * first MQTT client connects (an edge, or the cloud's own fleet publisher); until then this throws
 * StreamNotFound (see `isWorthWaitingFor`). The events' durable must exist before edges publish:
 * `$MQTT_msgs` keeps a message only for the consumers that exist when it arrives.
 */
export async function ensureJetStream(
  jsm: JetStreamManager,
  options: JetStreamSetupOptions,
): Promise<{ events: ConsumerRef; statuses: ConsumerRef }> {
  const events = { stream: MQTT_MESSAGES_STREAM, durable: `${options.durable}-events` };
  const statuses = { stream: options.statusStream, durable: `${options.durable}-status` };
  await jsm.streams.info(MQTT_MESSAGES_STREAM);
  await ensureStatusStream(jsm, options);
  const common = {
    ack_policy: AckPolicy.Explicit,
    ack_wait: nanos(options.ackWaitSeconds * 1000),
    // Redelivered for as long as it takes: the processor dead-letters what retrying cannot help.
    max_deliver: -1,
    max_ack_pending: options.maxAckPending,
  };
  await ensureConsumer(jsm, events, {
    ...common,
    durable_name: events.durable,
    filter_subject: EDGE_EVENTS_FILTER,
    deliver_policy: DeliverPolicy.All,
  });
  await ensureConsumer(jsm, statuses, {
    ...common,
    durable_name: statuses.durable,
    filter_subject: EDGE_STATUS_SUBJECT,
    deliver_policy: DeliverPolicy.LastPerSubject,
  });
  return { events, statuses };
}
