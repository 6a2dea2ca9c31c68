/**
 * Error codes the cloud reports, each with what it means. A user sees `CODE: message`, where the
 * message names the file, field, id or value at fault.
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
  TICKET_NOT_FOUND: 'no ticket with this id',
  TRANSITION_NOT_ALLOWED: "the action is not allowed from the ticket's state",
  ROLE_NOT_ALLOWED: "the user's role may not take this action",
  TRANSITION_INVALID: 'the action lacks what it needs (a reason, a department, a rating...)',
} as const;

export type CloudErrorCode = keyof typeof CLOUD_ERROR_CODES;

export class CloudError extends Error {
  readonly code: CloudErrorCode;
  readonly details: Record<string, unknown>;

  constructor(
    code: CloudErrorCode,
    message: string,
    details: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CloudError';
    this.code = code;
    this.details = details;
  }
}

export function describeCloudError(error: unknown): string {
  if (error instanceof CloudError) return `${error.code}: ${error.message}`;
  if (error instanceof Error) return error.message;
  return String(error);
}
