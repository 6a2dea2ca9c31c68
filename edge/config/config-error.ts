import type { ConfigErrors, ConfigProblem } from '../../foundation/config/config-problem.ts';
import { EdgeError, type ErrorCode } from '../errors.ts';

export type ConfigErrorCode = Extract<ErrorCode, 'CONFIG_NOT_FOUND' | 'CONFIG_INVALID'>;

/**
 * A config that cannot be used. The message has one line per problem, `<file>: <path>: <message>`
 * (YAML syntax errors: `<file>:<line>:<column>: <message>`); `problems` has them as data.
 */
export class ConfigError extends EdgeError {
  declare readonly code: ConfigErrorCode;
  readonly problems: readonly ConfigProblem[];

  constructor(
    code: ConfigErrorCode,
    message: string,
    problems: readonly ConfigProblem[] = [],
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
    this.problems = problems;
  }
}

/** How the edge config loader reports a config it cannot use. */
export const EDGE_CONFIG_ERRORS: ConfigErrors<ConfigErrorCode> = {
  notFound: 'CONFIG_NOT_FOUND',
  invalid: 'CONFIG_INVALID',
  create: (code, message, problems, cause) => new ConfigError(code, message, problems, { cause }),
};
