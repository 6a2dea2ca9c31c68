import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest, preHandlerHookHandler } from 'fastify';
import type { CloudConfig } from '../config/cloud-config-schema.ts';
import type { Role } from '../tickets/roles.ts';
import { apiError } from './http-errors.ts';

export interface User {
  name: string;
  role: Role;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by `requireUser`. */
    user?: User;
    /** Set by `requireEdge`: the edge whose token was presented. */
    edgeId?: string;
  }
}

/** Tokens are random secrets; the config holds only their sha256. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

function bearer(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice(7).trim();
  // EventSource (the live feed) cannot send headers.
  const query = request.query as Record<string, unknown> | undefined;
  return typeof query?.access_token === 'string' ? query.access_token : undefined;
}

function unauthorized(reply: FastifyReply, message: string) {
  return reply.code(401).header('www-authenticate', 'Bearer').send(apiError('AUTH_REQUIRED', message));
}

/**
 * Who a token belongs to: users (with a role), edges (their own tokens, for evidence upload) and
 * Open311 clients (api_key). The three never mix: an edge token is no user token.
 */
export class TokenAuth {
  private readonly users = new Map<string, User>();
  private readonly edges = new Map<string, string>();
  private readonly open311 = new Map<string, string>();

  constructor(auth: CloudConfig['auth']) {
    for (const u of auth.users) this.users.set(u.tokenSha256, { name: u.name, role: u.role });
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

  /** preHandler: a user's bearer token, of one of `roles` when given (401 / 403 otherwise). */
  requireUser(roles?: readonly Role[]): preHandlerHookHandler {
    return async (request: FastifyRequest, reply: FastifyReply) => {
      const user = this.user(bearer(request));
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

  /** preHandler for edges (evidence upload): an edge's own bearer token. */
  requireEdge(): preHandlerHookHandler {
    return async (request: FastifyRequest, reply: FastifyReply) => {
      const edgeId = this.edge(bearer(request));
      if (!edgeId) return unauthorized(reply, 'send an edge token: Authorization: Bearer <edge token>');
      request.edgeId = edgeId;
    };
  }
}
