export const EVIDENCE_STORE_ERROR_CODES = {
  EVIDENCE_STORE_UNREACHABLE:
    'the evidence store (its S3 endpoint or bucket) did not answer or refused access',
  EVIDENCE_STORE_CONFIG_INVALID: 'the evidence section of the config names a store without its settings',
} as const;

export type EvidenceStoreErrorCode = keyof typeof EVIDENCE_STORE_ERROR_CODES;

export class EvidenceStoreError extends Error {
  readonly code: EvidenceStoreErrorCode;

  constructor(code: EvidenceStoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EvidenceStoreError';
    this.code = code;
  }
}
