import { describe, expect, it } from 'vitest';
import { createApiServer } from '../../edge/api/create-api-server.ts';
import { camera, FakeSource, T0 } from './support/fake-source.ts';
import { capturedLogger, serveFakeSource } from './support/serve-fake-source.ts';

describe('local API server', () => {
  const { bound, get } = serveFakeSource();

  it('binds to 127.0.0.1 by default', () => {
    expect(bound().host).toBe('127.0.0.1');
    expect(bound().port).toBeGreaterThan(0);
  });

  it('writes the OpenAPI document from the route schemas', async () => {
    const { app } = createApiServer(new FakeSource(), { port: 0 });
    await app.ready();
    const paths = Object.keys(app.swagger().paths ?? {});
    expect(paths).toEqual(
      expect.arrayContaining([
        '/health',
        '/metrics',
        '/cameras',
        '/cameras/{id}',
        '/cameras/{id}/latest.jpg',
        '/cameras/{id}/live',
        '/evidence/{sha256}',
        '/events',
      ]),
    );
    await app.close();
  });

  describe('unknown routes', () => {
    it.each([
      ['GET', '/nope'],
      ['POST', '/health'],
      ['GET', '/cameras/gate/latest.png'],
    ])('%s %s answers 404 JSON', async (method, path) => {
      const response = await get(path, { method });
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      const body = (await response.json()) as { error: { code: string; message: string; routes: string[] } };
      expect(body.error.code).toBe('ROUTE_NOT_FOUND');
      expect(body.error.message).toBe(`no route ${method} ${path}`);
      expect(body.error.routes).toContain('GET /health');
    });
  });
});

describe('local API server with a pino logger', () => {
  it('logs requests and failures to the given logger', async () => {
    const { logger, lines } = capturedLogger();
    const source = new FakeSource();
    source.cams = [camera('gate', 'live', 1)];
    source.frames.set('gate', { data: new Uint8Array(3), width: 2, height: 2, time: T0 });
    const server = createApiServer(source, {
      host: '127.0.0.1',
      port: 0,
      logger,
    });
    const { url } = await server.listen();
    try {
      expect((await fetch(`${url}/health`)).status).toBe(200);
      expect((await fetch(`${url}/cameras/gate/latest.jpg`)).status).toBe(500);
    } finally {
      await server.close();
    }
    const records = lines.map((line) => JSON.parse(line) as { msg: string; err?: { message: string } });
    expect(records.some((r) => r.msg === 'request completed')).toBe(true);
    const failure = records.find((r) => r.msg === 'API request failed');
    expect(failure?.err?.message).toContain('not 2x2x3 = 12');
  });

  it('survives a source that throws: 500 JSON, and the sampling timer only logs', async () => {
    const { logger, lines } = capturedLogger();
    const source = new FakeSource();
    source.cameras = () => {
      throw new Error('camera table unavailable');
    };
    const server = createApiServer(source, { port: 0, logger });
    const { url } = await server.listen();
    try {
      const response = await fetch(`${url}/cameras`);
      expect(response.status).toBe(500);
      expect(await response.json()).toMatchObject({
        error: { code: 'INTERNAL', message: 'camera table unavailable' },
      });
      await new Promise((resolve) => setTimeout(resolve, 1200));
    } finally {
      await server.close();
    }
    expect(lines.some((line) => line.includes('could not sample camera counters'))).toBe(true);
  });
});
