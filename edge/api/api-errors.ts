/** Error codes of the local API, each with what it means. Every error body is `{ error: ApiErrorBody }`. */
export const API_ERROR_CODES = {
  ROUTE_NOT_FOUND: 'no route for this method and path',
  CAMERA_NOT_FOUND: 'no camera with this id on this edge box',
  FRAME_NOT_YET: 'the camera has not delivered a frame yet',
  LIVE_VIEW_OFF: 'the live view is disabled in the config (live.enabled)',
  EVIDENCE_NOT_FOUND: 'no evidence file with this sha256 on this edge box',
  QUERY_INVALID: 'a query parameter is out of range or not of the right type',
  BAD_REQUEST: 'the request could not be read',
  INTERNAL: 'the edge node failed to answer; the details are in its log',
} as const;

export type ApiErrorCode = keyof typeof API_ERROR_CODES;

export interface ApiErrorBody {
  code: ApiErrorCode;
  message: string;
  [detail: string]: unknown;
}

export function apiError(
  code: ApiErrorCode,
  message: string,
  details: Record<string, unknown> = {},
): { error: ApiErrorBody } {
  return { error: { code, message, ...details } };
}
