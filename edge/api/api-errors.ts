import type { FastifyReply } from 'fastify';
import type { ErrorCode } from '../errors.ts';

/** Every error body of the local API is `{ error: ApiErrorBody }`; the codes are the edge's one catalogue. */
export interface ApiErrorBody {
  code: ErrorCode;
  message: string;
  [detail: string]: unknown;
}

/** The HTTP status of each code the local API answers; any other edge error is a 422. */
const STATUS: Partial<Record<ErrorCode, number>> = {
  ROUTE_NOT_FOUND: 404,
  CAMERA_NOT_FOUND: 404,
  LIVE_VIEW_OFF: 404,
  EVIDENCE_NOT_FOUND: 404,
  FLIGHT_NOT_FOUND: 404,
  QUERY_INVALID: 400,
  BAD_REQUEST: 400,
  FLIGHT_UPLOAD_INVALID: 400,
  FRAME_NOT_YET: 503,
  INTERNAL: 500,
};

export function statusOf(code: ErrorCode): number {
  return STATUS[code] ?? 422;
}

export function apiError(
  code: ErrorCode,
  message: string,
  details: Record<string, unknown> = {},
): { error: ApiErrorBody } {
  return { error: { code, message, ...details } };
}

/** Answers the error with its code's status. */
export function sendError(
  reply: FastifyReply,
  code: ErrorCode,
  message: string,
  details: Record<string, unknown> = {},
): FastifyReply {
  return reply.code(statusOf(code)).send(apiError(code, message, details));
}
