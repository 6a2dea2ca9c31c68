import { connect, type MqttClient } from 'mqtt';
import type { Logger } from '../services/logger.ts';

/**
 * Mosquitto's count of messages it dropped since it started: a session's queue past
 * `max_queued_messages`/`max_queued_bytes`, among others. Every drop of a QoS 1 event means an
 * event the edge's outbox already let go of (the broker had acknowledged it) is lost.
 */
export const DROPPED_MESSAGES_TOPIC = '$SYS/broker/publish/messages/dropped';

export interface BrokerDropWatcherOptions {
  url: string;
  /** Its own client id: a connection apart from the consumer's, with a clean session. */
  clientId: string;
  protocolVersion: 4 | 5;
  username?: string | undefined;
  password?: string | undefined;
  logger?: Logger | undefined;
}

/**
 * What a new reading of the broker's cumulative counter means, given the last one: how many
 * messages were dropped since (all of them on the first reading, or after the counter went back,
 * which a broker restart does).
 */
function newlyDropped(last: number | undefined, total: number): number {
  return last === undefined || total < last ? total : total - last;
}

/**
 * Watches the broker's dropped-message counter, where the broker offers it ($SYS, Mosquitto) and
 * the user may read it, and logs an error each time it grows. A broker that offers none (aedes,
 * VerneMQ) or refuses the subscription leaves `droppedMessages` undefined.
 */
export class BrokerDropWatcher {
  private readonly client: MqttClient;
  private readonly log: Logger | undefined;
  private last: number | undefined;

  constructor(options: BrokerDropWatcherOptions) {
    this.log = options.logger;
    this.client = connect(options.url, {
      protocolVersion: options.protocolVersion,
      clientId: options.clientId,
      clean: true,
      reconnectPeriod: 5000,
      connectTimeout: 10_000,
      ...(options.username !== undefined ? { username: options.username } : {}),
      ...(options.password !== undefined ? { password: options.password } : {}),
    });
    this.client.on('connect', () => {
      this.client.subscribe(DROPPED_MESSAGES_TOPIC, { qos: 0 }, (error, granted) => {
        const refused = error !== null || (granted?.[0]?.qos ?? 0x80) >= 0x80;
        if (refused)
          this.log?.info(
            { topic: DROPPED_MESSAGES_TOPIC },
            'the broker does not let the cloud read its dropped-message count: drops are not watched',
          );
      });
    });
    this.client.on('message', (_topic, payload) => this.reading(payload.toString()));
    this.client.on('error', (error) => this.log?.warn({ err: error.message }, 'broker drop watcher'));
  }

  /** The broker's count since it started, as last read; undefined until (or unless) it tells. */
  get droppedMessages(): number | undefined {
    return this.last;
  }

  private reading(text: string): void {
    const total = Number(text.trim());
    if (!Number.isSafeInteger(total) || total < 0) return;
    const dropped = newlyDropped(this.last, total);
    this.last = total;
    if (dropped > 0)
      this.log?.error(
        { newlyDropped: dropped, droppedTotal: total, topic: DROPPED_MESSAGES_TOPIC },
        'the MQTT broker dropped messages (a session queue or size limit): events the edges handed over may be lost',
      );
  }

  async close(): Promise<void> {
    await this.client.endAsync(true);
  }
}
