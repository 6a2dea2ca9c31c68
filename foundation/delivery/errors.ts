import { CodedError } from '../util/coded-error.ts';

/**
 * Error codes of durable delivery, each with what it means. The edge and IoT catalogues include
 * this one; a user sees `CODE: message`, where the message names the outbox folder.
 */
export const DELIVERY_ERROR_CODES = {
  OUTBOX_LOCKED: 'the outbox folder is already open, in this process or in another live one',
  OUTBOX_CLOSED: 'an append came after the outbox was closed',
  OUTBOX_FAILED:
    'a write to the outbox could not be undone, or fdatasync failed: it accepts no more appends until it is opened again',
} as const;

export type DeliveryErrorCode = keyof typeof DELIVERY_ERROR_CODES;

export class OutboxError extends CodedError<DeliveryErrorCode> {
  override readonly name = 'OutboxError';
}
