import type { CloudError, CloudErrorCode } from '../errors.ts';

/** Every error body of the API is `{ error: { code, message, ...details } }` (codes: cloud/errors.ts). */
export function apiError(code: CloudErrorCode, message: string, details: Record<string, unknown> = {}) {
  return { error: { code, message, ...details } };
}

const STATUS: Partial<Record<CloudErrorCode, number>> = {
  VALIDATION_FAILED: 400,
  NOT_FOUND: 404,
  PLACE_IN_USE: 409,
  TICKET_NOT_FOUND: 404,
  TRANSITION_NOT_ALLOWED: 409,
  ROLE_NOT_ALLOWED: 403,
  TRANSITION_INVALID: 422,
};

/** The HTTP status of a domain error. */
export function statusOf(error: CloudError): number {
  return STATUS[error.code] ?? 500;
}
