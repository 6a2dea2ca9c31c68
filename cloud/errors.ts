import { CodedError } from '../foundation/util/coded-error.ts';
/**
 * Every code the cloud process answers with or stores, each with what it means: start-up and
 * config, the HTTP API, the ticket loop, place edits, the evidence store, and the dead letters of
 * ingest (refused broker messages, and telemetry the IoT rules refused). A user sees
 * `CODE: message`, where the message names the file, field, id or value at fault. The HTTP status
 * of each code is the HTTP adapter's (cloud/http/http-errors.ts).
 */
export const CLOUD_ERROR_CODES = {
  CONFIG_NOT_FOUND: 'the config file (or a file it names) does not exist or cannot be read',
  CONFIG_INVALID: 'the config file is not valid YAML or does not match the cloud config schema',
  PLACES_INVALID: 'the grid GeoJSON or the camera registry is malformed or inconsistent',
  DATABASE_UNREACHABLE: 'the database could not be opened or connected to',
  BROKER_UNREACHABLE: 'the MQTT broker refused or did not answer the first connection',
  MIGRATION_CHANGED: 'a migration already applied to this database has been edited since',
  MIGRATION_UNKNOWN: 'the database has a migration this code does not know (a newer version ran on it)',
  MIGRATION_FAILED: 'a migration failed; it was rolled back',
  EVIDENCE_STORE_UNREACHABLE:
    'the evidence store (its S3 endpoint or bucket) did not answer or refused access',
  EVIDENCE_STORE_CONFIG_INVALID: 'the evidence section of the config names a store without its settings',

  ROUTE_NOT_FOUND: 'no route for this method and path',
  VALIDATION_FAILED: 'the body, query or path does not match the schema (details name each field)',
  AUTH_REQUIRED: 'no valid token was sent',
  FORBIDDEN: "the token's role may not use this route",
  NOT_FOUND: 'no such ticket, incident, camera or place',
  PLACE_IN_USE: 'the place still has children or open tickets; move, close or remove them first',
  INTERNAL: 'the server failed; the details are in its log',
  TICKET_NOT_FOUND: 'no ticket with this id',
  TRANSITION_NOT_ALLOWED: "the action is not allowed from the ticket's state",
  ROLE_NOT_ALLOWED: "the user's role may not take this action",
  TRANSITION_INVALID: 'the action lacks what it needs (a reason, a department, a rating...)',
  UPLOAD_OFFSET_MISMATCH:
    'evidence upload: the chunk does not start where the bytes held end (Upload-Offset says where)',
  UPLOAD_HASH_MISMATCH: 'evidence upload: the whole file does not hash to the sha256 it is uploaded under',
  UPLOAD_BAD_REQUEST:
    'evidence upload: the chunk runs past Upload-Length, or the length or type differs from the upload begun',
  UPLOAD_TOO_LARGE:
    'evidence upload: the announced Upload-Length is over the limit (evidence.maxUploadBytes; the message gives it)',
  TOKEN_IN_URL: 'a token in the URL (?access_token=) outside the live feed; send Authorization: Bearer',
  INPUT_UNSTORABLE:
    'the database refused a value of the request as data (SQLSTATE class 22: out of range, bad encoding...)',
  OTHER_DEPARTMENT: 'a handler may see and act on only the tickets routed to their own department',
  PERMITS_INVALID:
    'the muck-truck permit registry (file or upload) has invalid rows; each is named by row and field, and the registry in force stays',
  PERMIT_NOT_FOUND: 'the permit registry has no permit for this plate',
  SNAPSHOT_NOT_FOUND: "labels: the ticket's incident has no snapshot with this sha256",
  LABELS_INVALID:
    'labels: a verdict names no object of the snapshot, names one twice, or a wrong label lacks the right one',
  LABELS_CHANGED:
    'labels: someone saved the labels since you loaded them (baseRevision is not the current revision); reload',
  SUPPRESSION_REGION_NOT_FOUND:
    'suppression: no region with this id (it may have lapsed or been removed already)',
  MODEL_FILE_HASH_MISMATCH:
    'models: the uploaded bytes do not hash to the sha256 they are uploaded under (the message gives both)',
  MODEL_MANIFEST_INVALID:
    'models: the manifest is not valid JSON, does not match the manifest schema, or names another model or version than its URL',
  MODEL_FILE_NOT_UPLOADED:
    "models: the manifest's sha256 names a model file not uploaded yet (PUT /api/v1/model-files/{sha256} first)",
  MODEL_VERSION_EXISTS: 'models: this name and version already hold another manifest; versions never change',
  MODEL_VERSION_NOT_FOUND: 'models: no model with this name and version (or no file with this sha256)',
  MODEL_NOT_ASSIGNED:
    'models: promote or roll back names a camera that does not run this version in the mode it needs',
  MODEL_NO_PREVIOUS_ACTIVE: 'models: roll back names a camera where this version replaced no active version',
  DATASET_OUT_NOT_EMPTY: 'dataset export: the --out folder exists and is not empty',
  DATASET_FILE_INVALID:
    'dataset import: the file is not JSON or not a COCO detection file (the message names the field)',

  TOPIC_UNKNOWN: 'dead letter: the topic is neither an event topic nor a status topic',
  PAYLOAD_NOT_JSON: 'dead letter: the payload is not UTF-8 JSON',
  EVENT_INVALID: 'dead letter: the payload does not match the event contract',
  EVENT_TOPIC_MISMATCH:
    "dead letter: the event's edgeId (a device event's nodeId) or type differs from its topic's",
  STATUS_INVALID: 'dead letter: the status payload is malformed or names another edge',
  EVENT_UNSTORABLE:
    'dead letter: the event is valid but the database refuses its data (SQLSTATE class 22); the contract refuses such data first',
  PAYLOAD_TOO_LARGE:
    'dead letter: an event or status payload over the contract limit (256 KiB), refused before parsing',
  EVENT_CLOCK_AHEAD:
    "dead letter: an event whose times are more than 24 h ahead of the cloud's clock (the edge's clock is wrong)",
  STATUS_UNSTORABLE: 'dead letter: the status is valid but the database refuses its data (SQLSTATE class 22)',
  MESSAGE_UNPROCESSABLE:
    'dead letter: storing the message failed 5 times while the database answered, neither for its data nor for an outage (a fault); the reason has the error',
  TELEMETRY_TOPIC_INVALID: 'dead letter: telemetry on a topic that is not devices/{deviceId}/telemetry',
  TELEMETRY_TOO_LARGE: 'dead letter: a telemetry payload larger than a reading can be',
  TELEMETRY_NOT_JSON: 'dead letter: a telemetry payload that is not UTF-8 JSON',
  TELEMETRY_INVALID:
    'dead letter: telemetry that does not match the telemetry schema (foundation/contract/telemetry.ts)',
  TELEMETRY_DEVICE_MISMATCH: 'dead letter: telemetry whose deviceId differs from the one in its topic',
  TELEMETRY_FUTURE: "dead letter: a reading further ahead of the receiver's clock than allowed",
  TELEMETRY_LATE:
    'dead letter: a reading older than one already applied for its device, beyond the allowed lateness',
} as const;

export type CloudErrorCode = keyof typeof CLOUD_ERROR_CODES;

/** Telemetry the cloud's IoT rules refused: stored in the dead-letter table with its code. */
export type TelemetryDeadLetterCode = Extract<CloudErrorCode, `TELEMETRY_${string}`>;

/** Why a message was dead-lettered. */
export type DeadLetterCode =
  | Extract<
      CloudErrorCode,
      | 'TOPIC_UNKNOWN'
      | 'PAYLOAD_NOT_JSON'
      | 'EVENT_INVALID'
      | 'EVENT_TOPIC_MISMATCH'
      | 'STATUS_INVALID'
      | 'EVENT_UNSTORABLE'
      | 'PAYLOAD_TOO_LARGE'
      | 'EVENT_CLOCK_AHEAD'
      | 'STATUS_UNSTORABLE'
      | 'MESSAGE_UNPROCESSABLE'
    >
  | TelemetryDeadLetterCode;

export class CloudError extends CodedError<CloudErrorCode> {
  override readonly name = 'CloudError';
  readonly details: Record<string, unknown>;

  constructor(
    code: CloudErrorCode,
    message: string,
    details: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
    this.details = details;
  }
}

export function describeCloudError(error: unknown): string {
  if (error instanceof CloudError) return `${error.code}: ${error.message}`;
  if (error instanceof Error) return error.message;
  return String(error);
}
