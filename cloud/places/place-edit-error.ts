import type { API_ERROR_CODES } from '../api/api-errors.ts';

/** The API codes a refused place edit answers with (described in the API's catalogue). */
export type PlaceEditErrorCode = Extract<
  keyof typeof API_ERROR_CODES,
  'VALIDATION_FAILED' | 'NOT_FOUND' | 'PLACE_IN_USE'
>;

const STATUS: Record<PlaceEditErrorCode, number> = {
  VALIDATION_FAILED: 400,
  NOT_FOUND: 404,
  PLACE_IN_USE: 409,
};

export class PlaceEditError extends Error {
  readonly code: PlaceEditErrorCode;
  readonly status: number;
  readonly details: Record<string, unknown>;

  constructor(code: PlaceEditErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = 'PlaceEditError';
    this.code = code;
    this.status = STATUS[code];
    this.details = details;
  }
}
