import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import type { CloudConfig } from '../config/cloud-config-schema.ts';
import type { Role } from '../tickets/roles.ts';
import { apiError } from './http-errors.ts';

export interface User {
  name: string;
  role: Role;
  /** The department whose tickets a handler works (required for handlers; see cloud/tickets/roles.ts). */
  department?: string | undefined;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by `requireUser`. */
    user?: User;
    /** Set by `requireEdge`: the edge whose token was presented. */
    edgeId?: string;
  }
  interface FastifyContextConfig {
    /**
     * This GET route takes the user's token as `?access_token=` too: the live feed, as EventSource
     * cannot send headers. Every other route refuses a token in its URL.
     */
    tokenInUrl?: boolean;
    /** This route takes the user's token from the evidence cookie too (<img>, <video>). */
    tokenInCookie?: boolean;
  }
}

/** The query parameter a token may ride in, where the route allows it. */
export const TOKEN_PARAMETER = 'access_token';

/** The cookie that carries the token to evidence reads, which <img> and <video> make without headers. */
export const EVIDENCE_COOKIE = 'csa_evidence';

/**
 * The Set-Cookie value that lets a browser read evidence with `token`: sent only to `path`, never
 * readable by scripts, never sent with another site's requests; gone when the browser closes.
 */
export function evidenceCookie(token: string, path: string, secure: boolean): string {
  const attributes = [`Path=${path}`, 'HttpOnly', 'SameSite=Strict', ...(secure ? ['Secure'] : [])];
  return [`${EVIDENCE_COOKIE}=${encodeURIComponent(token)}`, ...attributes].join('; ');
}

function cookieToken(request: FastifyRequest): string | undefined {
  for (const pair of (request.headers.cookie ?? '').split(';')) {
    const [name, ...value] = pair.trim().split('=');
    if (name !== EVIDENCE_COOKIE) continue;
    try {
      return decodeURIComponent(value.join('='));
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** Tokens are random secrets; the config holds only their sha256. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** The token a request presents: its bearer header, else the cookie or URL where its route allows one. */
export function presentedToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice(7).trim();
  const config = request.routeOptions.config;
  if (config?.tokenInCookie) return cookieToken(request);
  if (!config?.tokenInUrl) return undefined;
  const query = request.query as Record<string, unknown> | undefined;
  const token = query?.[TOKEN_PARAMETER];
  return typeof token === 'string' ? token : undefined;
}

function unauthorized(reply: FastifyReply, message: string) {
  return reply.code(401).header('www-authenticate', 'Bearer').send(apiError('AUTH_REQUIRED', message));
}

/**
 * Who a token belongs to: users (with a role), edges (their own tokens, for evidence upload) and
 * Open311 clients (api_key). The three never mix: an edge token is no user token.
 *
 * The checks are onRequest hooks: they run before the body is read and validated, so a caller
 * without a valid token learns nothing about a route's schema (401 before any 400).
 */
export class TokenAuth {
  private readonly users = new Map<string, User>();
  private readonly edges = new Map<string, string>();
  private readonly open311 = new Map<string, string>();

  constructor(auth: CloudConfig['auth']) {
    for (const u of auth.users)
      this.users.set(u.tokenSha256, {
        name: u.name,
        role: u.role,
        ...(u.department !== undefined ? { department: u.department } : {}),
      });
    for (const e of auth.edges) this.edges.set(e.tokenSha256, e.edgeId);
    for (const k of auth.open311Keys) this.open311.set(k.keySha256, k.name);
  }

  user(token: string | undefined): User | undefined {
    return token === undefined ? undefined : this.users.get(hashToken(token));
  }

  edge(token: string | undefined): string | undefined {
    return token === undefined ? undefined : this.edges.get(hashToken(token));
  }

  open311Client(apiKey: string | undefined): string | undefined {
    return apiKey === undefined ? undefined : this.open311.get(hashToken(apiKey));
  }

  /** onRequest: a user's bearer token, of one of `roles` when given (401 / 403 otherwise). */
  requireUser(roles?: readonly Role[]): onRequestHookHandler {
    return async (request: FastifyRequest, reply: FastifyReply) => {
      const user = this.user(presentedToken(request));
      if (!user) return unauthorized(reply, 'send a user token: Authorization: Bearer <token>');
      if (roles && !roles.includes(user.role)) {
        return reply.code(403).send(
          apiError('FORBIDDEN', `a ${user.role} may not do this; roles that may: ${roles.join(', ')}`, {
            allowedRoles: roles,
          }),
        );
      }
      request.user = user;
    };
  }

  /** onRequest for edges (evidence upload): an edge's own bearer token. */
  requireEdge(): onRequestHookHandler {
    return async (request: FastifyRequest, reply: FastifyReply) => {
      const edgeId = this.edge(presentedToken(request));
      if (!edgeId) return unauthorized(reply, 'send an edge token: Authorization: Bearer <edge token>');
      request.edgeId = edgeId;
    };
  }
}

/**
 * onRequest, for every route: `?access_token=` is refused (401 TOKEN_IN_URL) except on the GET
 * routes marked `tokenInUrl`. A token in a URL ends up in logs, proxies and browser history.
 */
export const refuseTokenInUrl: onRequestHookHandler = async (request, reply) => {
  const query = request.query as Record<string, unknown> | undefined;
  if (query === undefined || !Object.hasOwn(query, TOKEN_PARAMETER)) return;
  const allowed = request.routeOptions.config?.tokenInUrl === true && request.method === 'GET';
  if (allowed) return;
  return reply
    .code(401)
    .header('www-authenticate', 'Bearer')
    .send(
      apiError(
        'TOKEN_IN_URL',
        `${request.method} ${request.routeOptions.url ?? 'this route'} takes no ${TOKEN_PARAMETER} in its URL: send Authorization: Bearer <token>`,
      ),
    );
};
