import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { type ApiServer, createApiServer } from '../../../edge/api/create-api-server.ts';
import { FakeSource, resetSource, T0 } from './fake-source.ts';

export interface ServedApi {
  source: FakeSource;
  /** The server's wall clock, ms since the epoch; a test may move it. */
  clock: { now: number };
  bound(): { host: string; port: number };
  get(path: string, init?: RequestInit): Promise<Response>;
}

/**
 * A local API serving a FakeSource to the tests of the enclosing describe: listening before all
 * of them, the source reset before each, 65 s after the node started.
 */
export function serveFakeSource(): ServedApi {
  const source = new FakeSource();
  const clock = { now: T0 + 65_000 };
  let server: ApiServer | undefined;
  let address: { host: string; port: number; url: string } | undefined;
  beforeAll(async () => {
    resetSource(source);
    server = createApiServer(source, { port: 0, now: () => clock.now });
    address = await server.listen();
  });
  afterAll(async () => {
    await server?.close();
  });
  beforeEach(() => resetSource(source));
  const listening = () => {
    if (address === undefined) throw new Error('the API is not listening yet');
    return address;
  };
  return {
    source,
    clock,
    bound: () => listening(),
    get: (path, init) => fetch(`${listening().url}${path}`, init),
  };
}

/** A pino logger whose lines are kept, to check what the server logged. */
export function capturedLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}
