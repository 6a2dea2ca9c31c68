import { CloudError, type CloudErrorCode } from '../errors.ts';

/** Every error body of the API is `{ error: { code, message, ...details } }` (codes: cloud/errors.ts). */
export function apiError(code: CloudErrorCode, message: string, details: Record<string, unknown> = {}) {
  return { error: { code, message, ...details } };
}

const STATUS: Partial<Record<CloudErrorCode, number>> = {
  VALIDATION_FAILED: 400,
  INPUT_UNSTORABLE: 400,
  AUTH_REQUIRED: 401,
  TOKEN_IN_URL: 401,
  FORBIDDEN: 403,
  OTHER_DEPARTMENT: 403,
  NOT_FOUND: 404,
  PLACE_IN_USE: 409,
  TICKET_NOT_FOUND: 404,
  TRANSITION_NOT_ALLOWED: 409,
  ROLE_NOT_ALLOWED: 403,
  TRANSITION_INVALID: 422,
  UPLOAD_TOO_LARGE: 413,
  PERMITS_INVALID: 422,
  PERMIT_NOT_FOUND: 404,
  SNAPSHOT_NOT_FOUND: 404,
  LABELS_INVALID: 422,
  LABELS_CHANGED: 409,
  SUPPRESSION_REGION_NOT_FOUND: 404,
  MODEL_FILE_HASH_MISMATCH: 422,
  MODEL_MANIFEST_INVALID: 422,
  MODEL_FILE_NOT_UPLOADED: 409,
  MODEL_VERSION_EXISTS: 409,
  MODEL_VERSION_NOT_FOUND: 404,
  MODEL_NOT_ASSIGNED: 409,
  MODEL_NO_PREVIOUS_ACTIVE: 409,
};

/** The HTTP status of a domain error. */
export function statusOf(error: CloudError): number {
  return STATUS[error.code] ?? 500;
}

/**
 * A database error raised by the data of a request (SQLSTATE class 22, "data exception": a value
 * out of range, a NUL byte, bad encoding...) as the CloudError a caller is answered with (400); any
 * other error unchanged. The boundary's schemas refuse such input first: this is the safety net.
 */
export function asInputError(error: unknown): unknown {
  const sqlState = (error as { code?: unknown } | null)?.code;
  if (error instanceof CloudError || typeof sqlState !== 'string' || !/^22[0-9A-Z]{3}$/.test(sqlState))
    return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new CloudError('INPUT_UNSTORABLE', `the database refused a value of the request: ${reason}`, {
    sqlState,
  });
}
