import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { EVIDENCE_UPLOAD_PATH_PREFIX } from '../../foundation/contract/evidence-upload.ts';
import { evidenceCookie, presentedToken, type TokenAuth } from './token-auth.ts';

export const UI_PREFIX = '/ui/';
const PUBLIC_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'ui', 'public');

export interface UiPluginOptions {
  auth: TokenAuth;
  /**
   * Each edge's local API base URL (its live view lives there), read on every request: an edge
   * that starts after the cloud can be added later.
   */
  edgeApiUrls?: ReadonlyMap<string, string> | undefined;
}

/**
 * The operator web UI: static ES modules under /ui/ (no build step, nothing from the internet),
 * plus the two small reads it needs that the REST API does not have: who the token belongs to
 * (which also hands the browser the evidence cookie, so that <img> and <video> show evidence with
 * no token in their URLs), and where each edge's live view is.
 */
export async function uiPlugin(app: FastifyInstance, options: UiPluginOptions): Promise<void> {
  await app.register(fastifyStatic, {
    root: PUBLIC_DIR,
    prefix: UI_PREFIX,
    index: ['index.html'],
    decorateReply: false,
    // The UI is small and changes with the server: always revalidate (ETag) rather than cache stale.
    cacheControl: false,
    setHeaders: (reply: { header(name: string, value: string): unknown }) => {
      reply.header('cache-control', 'no-cache');
    },
  });
  app.get('/', { schema: { hide: true } }, async (_request, reply) => reply.redirect(UI_PREFIX));
  app.get('/ui', { schema: { hide: true } }, async (_request, reply) => reply.redirect(UI_PREFIX));

  app.get(
    '/api/v1/me',
    {
      onRequest: options.auth.requireUser(),
      schema: {
        tags: ['ui'],
        summary: 'The user the token belongs to, and its role; sets the cookie the UI shows evidence with',
      },
    },
    async (request, reply) => {
      const secure = request.protocol === 'https';
      const token = presentedToken(request) as string;
      reply.header('set-cookie', evidenceCookie(token, EVIDENCE_UPLOAD_PATH_PREFIX, secure));
      return request.user;
    },
  );
  app.get(
    '/api/v1/edge-links',
    {
      onRequest: options.auth.requireUser(),
      schema: { tags: ['ui'], summary: "Each edge's local API URL, where its cameras' live view is" },
    },
    async () => Object.fromEntries(options.edgeApiUrls ?? new Map()),
  );
}
