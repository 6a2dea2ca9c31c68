import { DELIVERY_ERROR_CODES } from '../foundation/delivery/errors.ts';
import { CodedError } from '../foundation/util/coded-error.ts';

/**
 * Every error code of the IoT process (telemetry intake, rule configs, the durable delivery of its
 * events). A user sees `CODE: message`, where the message names the field, device or value at
 * fault. Dead letters carry the same codes.
 */
export const IOT_ERROR_CODES = {
  ...DELIVERY_ERROR_CODES,
  TELEMETRY_TOPIC_INVALID: 'the message came on a topic that is not devices/{deviceId}/telemetry',
  TELEMETRY_TOO_LARGE: 'the payload is larger than a reading can be',
  TELEMETRY_NOT_JSON: 'the payload is not UTF-8 JSON',
  TELEMETRY_INVALID: 'the payload does not match the telemetry schema (foundation/contract/telemetry.ts)',
  TELEMETRY_DEVICE_MISMATCH: "the payload's deviceId differs from the one in its topic",
  TELEMETRY_FUTURE: "the reading's time is further ahead of the receiver's clock than allowed",
  TELEMETRY_LATE: 'the reading is older than one already applied for its device, beyond the allowed lateness',
  RULES_CONFIG_NOT_FOUND: 'the rules config file does not exist or cannot be read',
  RULES_CONFIG_INVALID: 'the rules config is not valid YAML or does not match the rules schema',
} as const;

export type IotErrorCode = keyof typeof IOT_ERROR_CODES;

export class IotError extends CodedError<IotErrorCode> {
  override readonly name = 'IotError';
}
