import { connect, type MqttClient } from 'mqtt';
import { topics } from '../../foundation/contract/topics.ts';
import type { FleetConfigNotice } from '../../foundation/edge-config/fleet-notice.ts';
import type { FleetNoticeSink } from './fleet-config-service.ts';

/** The cloud's logger, as far as the publisher uses it. */
interface Logger {
  warn(object: object, message: string): void;
}

export interface FleetNoticePublisherOptions {
  url: string;
  /** Its own client id: a connection apart from the consumer's, with a clean session. */
  clientId: string;
  protocolVersion: 4 | 5;
  username?: string | undefined;
  password?: string | undefined;
  /** The newest notice of every edge: sent again on each (re)connect, since a broker may forget retained messages. */
  current: () => Promise<FleetConfigNotice[]>;
  logger?: Logger | undefined;
}

/**
 * Publishes each edge's configuration notice, retained and at QoS 1, on `fleet/{edgeId}/config`:
 * an edge gets the newest one whenever it (re)subscribes, so one that was offline converges when it
 * reconnects. Only the version and hash ride on the broker; the body is pulled over HTTP.
 */
export class FleetNoticePublisher implements FleetNoticeSink {
  private readonly client: MqttClient;
  private readonly log: Logger | undefined;

  constructor(private readonly options: FleetNoticePublisherOptions) {
    this.log = options.logger;
    this.client = connect(options.url, {
      protocolVersion: options.protocolVersion,
      clientId: options.clientId,
      clean: true,
      reconnectPeriod: 2000,
      connectTimeout: 10_000,
      ...(options.username !== undefined ? { username: options.username } : {}),
      ...(options.password !== undefined ? { password: options.password } : {}),
    });
    this.client.on('connect', () => void this.republish());
    this.client.on('error', (error) => this.log?.warn({ err: error.message }, 'fleet notice publisher'));
  }

  publish(notice: FleetConfigNotice): void {
    // While disconnected mqtt.js keeps the QoS 1 publish and sends it on reconnect.
    this.client.publish(
      topics.fleetConfig(notice.edgeId),
      JSON.stringify(notice),
      { qos: 1, retain: true },
      (error) => {
        if (error)
          this.log?.warn({ err: error.message, edgeId: notice.edgeId }, 'configuration notice not published');
      },
    );
  }

  async close(): Promise<void> {
    await this.client.endAsync();
  }

  private async republish(): Promise<void> {
    try {
      for (const notice of await this.options.current()) this.publish(notice);
    } catch (error) {
      this.log?.warn({ err: (error as Error).message }, 'configuration notices not sent again');
    }
  }
}
