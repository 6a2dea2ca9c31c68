/**
 * Codes of refused place edits. VALIDATION_FAILED and NOT_FOUND are the API's own; PLACE_IN_USE
 * is new with place editing.
 */
export const PLACE_EDIT_ERROR_CODES = {
  VALIDATION_FAILED: 'the place is not valid where it would go (details name each field)',
  NOT_FOUND: 'no such place',
  PLACE_IN_USE: 'the place still has children or open tickets; move, close or remove them first',
} as const;
export type PlaceEditErrorCode = keyof typeof PLACE_EDIT_ERROR_CODES;

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
