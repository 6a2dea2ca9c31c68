import { createHash, timingSafeEqual } from 'node:crypto';
import net from 'node:net';
import { Aedes, type AuthenticateError, type Client } from 'aedes';

export interface EmbeddedBroker {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** A user of the embedded broker: its password's sha256, and the client ids it may connect as. */
export interface EmbeddedBrokerUser {
  username: string;
  passwordSha256: string;
  /** Besides its username, which is always allowed as a client id. */
  clientIds?: readonly string[];
  /**
   * `service`: the cloud, which publishes the edges' configuration notices (`fleet/{edgeId}/config`).
   * `edge` (the default): named by its edgeId, it reads only its own notice and publishes none.
   */
  kind?: 'edge' | 'service';
}

export interface EmbeddedBrokerOptions {
  host?: string;
  /**
   * When given, a CONNECT must name one of these users with its password, and a client id that is
   * the username or one of the user's `clientIds`: nobody takes over a session that is not theirs.
   * Without it anyone who reaches the port connects with any client id.
   */
  users?: readonly EmbeddedBrokerUser[];
}

/** topics.fleetConfig: `fleet/{edgeId}/config`. */
const FLEET_TOPIC = /^fleet\/([^/]+)\/config$/;

/** CONNACK return codes of MQTT 3.1.1 [MQTT-3.2.2.3]. */
const IDENTIFIER_REJECTED = 2;
const BAD_USERNAME_OR_PASSWORD = 4;

/**
 * The embedded MQTT broker (aedes, in memory) for one machine with nothing installed. It speaks
 * MQTT 3.1.1 only: no shared subscriptions, so one cloud instance consumes everything. With users,
 * only a `service` user publishes configuration notices, and an edge receives only its own.
 */
export async function startEmbeddedBroker(
  port: number,
  options: EmbeddedBrokerOptions = {},
): Promise<EmbeddedBroker> {
  const host = options.host ?? '127.0.0.1';
  const users = options.users;
  const usernames = new WeakMap<Client, string>();
  const aedes = await Aedes.createBroker(
    users
      ? {
          authenticate: (client, username, password, done) => {
            const refusal = refuseConnect(users, client.id, username, password);
            if (refusal) done(refusal, false);
            else {
              usernames.set(client, username as string);
              done(null, true);
            }
          },
          // The same rules as deploy/mosquitto/*.acl for the fleet notices (other topics are open).
          authorizePublish: (client, packet, done) => {
            const user = users.find((u) => u.username === (client ? usernames.get(client) : undefined));
            if (FLEET_TOPIC.test(packet.topic) && user?.kind !== 'service')
              done(new Error(`only the cloud publishes on ${packet.topic}`));
            else done(null);
          },
          authorizeForward: (client, packet) => {
            const edgeId = FLEET_TOPIC.exec(packet.topic)?.[1];
            if (edgeId === undefined) return packet;
            const user = users.find((u) => u.username === usernames.get(client));
            return user?.kind === 'service' || user?.username === edgeId ? packet : null;
          },
        }
      : {},
  );
  const server = net.createServer(aedes.handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as net.AddressInfo;
  return {
    port: address.port,
    url: `mqtt://${host}:${address.port}`,
    async close() {
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Why this CONNECT is refused, or undefined when its user, password and client id belong together. */
function refuseConnect(
  users: readonly EmbeddedBrokerUser[],
  clientId: string,
  username: string | undefined,
  password: Readonly<Buffer> | undefined,
): AuthenticateError | undefined {
  const user = users.find((u) => u.username === username);
  const given = createHash('sha256')
    .update(password ?? Buffer.alloc(0))
    .digest();
  const expected = Buffer.from(user?.passwordSha256 ?? '', 'hex');
  if (!user || expected.length !== given.length || !timingSafeEqual(given, expected))
    return refusal(BAD_USERNAME_OR_PASSWORD, 'bad username or password');
  if (clientId !== user.username && !user.clientIds?.includes(clientId))
    return refusal(IDENTIFIER_REJECTED, `client id ${clientId} does not belong to user ${user.username}`);
  return undefined;
}

function refusal(returnCode: number, message: string): AuthenticateError {
  return Object.assign(new Error(message), { returnCode }) as AuthenticateError;
}
