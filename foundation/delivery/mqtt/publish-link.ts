/** What the pump and the heartbeat publish through: the MQTT session, or a fake in tests. */
export interface PublishLink {
  readonly connected: boolean;
  /** The broker's Receive Maximum (65,535 when it names none) [MQTT-3.3.4-7]. */
  readonly receiveMaximum: number;
  /** A QoS 1 publish; `done` is called on its PUBACK, with the error when the broker refused it. */
  publish(topic: string, payload: string, retain: boolean, done: (error?: Error) => void): void;
}

type LogFn = (object: object, message: string) => void;
/** What the publisher logs through (a pino logger fits). */
export interface PublisherLogger {
  info: LogFn;
  warn: LogFn;
  error: LogFn;
}

export const SILENT: PublisherLogger = { info: () => {}, warn: () => {}, error: () => {} };

export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
