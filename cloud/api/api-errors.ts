import { CloudError, type CloudErrorCode } from '../errors.ts';

/** Error codes of the cloud API; every error body is `{ error: { code, message, ...details } }`. */
export const API_ERROR_CODES = {
  ROUTE_NOT_FOUND: 'no route for this method and path',
  VALIDATION_FAILED: 'the body, query or path does not match the schema (details name each field)',
  AUTH_REQUIRED: 'no valid token was sent',
  FORBIDDEN: "the token's role may not use this route",
  NOT_FOUND: 'no such ticket, incident, camera or place',
  PLACE_IN_USE: 'the place still has children or open tickets; move, close or remove them first',
  INTERNAL: 'the server failed; the details are in its log',
} as const;

export type ApiErrorCode = keyof typeof API_ERROR_CODES | CloudErrorCode;

export function apiError(code: ApiErrorCode, message: string, details: Record<string, unknown> = {}) {
  return { error: { code, message, ...details } };
}

const STATUS: Partial<Record<CloudErrorCode, number>> = {
  TICKET_NOT_FOUND: 404,
  TRANSITION_NOT_ALLOWED: 409,
  ROLE_NOT_ALLOWED: 403,
  TRANSITION_INVALID: 422,
};

/** The HTTP status of a domain error. */
export function statusOf(error: CloudError): number {
  return STATUS[error.code] ?? 500;
}

export { CloudError };
