import type { FastifyRequest, FastifyServerOptions, preValidationHookHandler } from 'fastify';
import { CloudError } from '../errors.ts';

/**
 * Guards every request of the cloud's HTTP server passes, whatever its route: no NUL character in
 * what it sends (PostgreSQL cannot store one in text or JSON), and no secret of its URL in the log.
 */

const NUL = '\u0000';
const NUL_MESSAGE = 'must not contain a NUL character (\\u0000)';

/** The JSON-pointer path of the first string (or object key) in `value` that holds a NUL character. */
export function nulPath(value: unknown, path = ''): string | undefined {
  if (typeof value === 'string') return value.includes(NUL) ? path : undefined;
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value)) return undefined;
  for (const [key, item] of Object.entries(value)) {
    const at = `${path}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`;
    if (key.includes(NUL)) return at;
    const found = nulPath(item, at);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * preValidation, for every route: a NUL character anywhere in the path parameters, the query or a
 * parsed body is a 400 VALIDATION_FAILED naming the field, as a schema failure is, before any
 * route code or the database sees it.
 */
export const refuseNul: preValidationHookHandler = async (request: FastifyRequest) => {
  const parts = [
    ['params', request.params],
    ['querystring', request.query],
    ['body', request.body],
  ] as const;
  for (const [where, value] of parts) {
    const path = nulPath(value);
    if (path === undefined) continue;
    throw new CloudError('VALIDATION_FAILED', `${where}${path}: ${NUL_MESSAGE}`, {
      issues: [{ where, path, message: NUL_MESSAGE }],
    });
  }
};

/** Query parameters that carry a secret: the live view's token, an Open311 client's key. */
const SECRET_PARAMETERS = new Set(['access_token', 'api_key']);

function decodedName(name: string): string {
  try {
    return decodeURIComponent(name.replaceAll('+', ' ')).toLowerCase();
  } catch {
    return name.toLowerCase();
  }
}

/** `url` with the value of each secret query parameter replaced by `[redacted]`. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const pairs = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = eq < 0 ? pair : pair.slice(0, eq);
      return SECRET_PARAMETERS.has(decodedName(name)) ? `${name}=[redacted]` : pair;
    });
  return `${url.slice(0, q + 1)}${pairs.join('&')}`;
}

/** What the log keeps of a request (fastify's fields), its URL redacted. */
function serializeRequest(request: FastifyRequest) {
  return {
    method: request.method,
    url: redactUrl(request.url ?? ''),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}

/** Each request's logger writes the request with its URL redacted (tokens are never logged). */
export const redactingChildLoggerFactory: NonNullable<FastifyServerOptions['childLoggerFactory']> = (
  logger,
  bindings,
  options,
) => {
  return logger.child(bindings, {
    ...options,
    serializers: { ...options.serializers, req: serializeRequest },
  });
};
