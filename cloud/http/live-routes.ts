import type { FastifyInstance } from 'fastify';
import type { RouteDeps } from './route-deps.ts';

const KEEPALIVE_MS = 15_000;

/**
 * Server-sent events: every LiveMessage as `event: <kind>` with its JSON. EventSource cannot send
 * headers, so the token may come as `?access_token=` (the one route that takes it; the log shows
 * it redacted).
 */
export async function liveRoutes(app: FastifyInstance, { core, auth }: RouteDeps) {
  const open = new Set<() => void>();
  // Before the server waits for its connections to end: a live stream never ends by itself.
  app.addHook('preClose', async () => {
    for (const end of open) end();
  });
  app.get(
    '/live',
    {
      onRequest: auth.requireUser(),
      config: { tokenInUrl: true },
      schema: { tags: ['live'], summary: 'Live feed (text/event-stream)' },
    },
    async (request, reply) => {
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
      });
      res.write(': connected\n\n');
      const unsubscribe = core.live.subscribe((message) => {
        res.write(`event: ${message.kind}\ndata: ${JSON.stringify(message)}\n\n`);
      });
      const keepalive = setInterval(() => res.write(': keepalive\n\n'), KEEPALIVE_MS);
      const stop = () => {
        clearInterval(keepalive);
        unsubscribe();
        open.delete(end);
      };
      const end = () => {
        stop();
        res.end();
      };
      open.add(end);
      request.raw.on('close', stop);
    },
  );
}
