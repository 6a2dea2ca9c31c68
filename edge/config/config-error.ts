import { EdgeError, type ErrorCode } from '../errors.ts';

export type ConfigErrorCode = Extract<ErrorCode, 'CONFIG_NOT_FOUND' | 'CONFIG_INVALID'>;

/** One thing wrong with a config file. */
export interface ConfigProblem {
  /** The file (or source name) as given to the loader. */
  readonly file: string;
  /** Where in the config, e.g. `cameras[2].zones[0].points`; '' for the whole file or a YAML syntax error. */
  readonly path: string;
  readonly message: string;
  /** 1-based line and column in the file, where known (for a schema problem: the nearest node that exists). */
  readonly line?: number;
  readonly column?: number;
}

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
    this.name = 'ConfigError';
    this.problems = problems;
  }
}
