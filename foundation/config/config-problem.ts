/** One thing wrong with a config. */
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
 * How a product reports a config it cannot use: its own two codes and its own error class. The
 * loader builds the message (one line per problem) and calls `create`.
 */
export interface ConfigErrors<C extends string = string> {
  readonly notFound: C;
  readonly invalid: C;
  create(code: C, message: string, problems: readonly ConfigProblem[], cause?: unknown): Error;
}

/** ConfigErrors whose errors are `new ErrorClass(code, message, { cause })`: a product's coded error. */
export function codedConfigErrors<C extends string>(
  notFound: C,
  invalid: C,
  ErrorClass: new (code: C, message: string, options?: { cause?: unknown }) => Error,
): ConfigErrors<C> {
  return {
    notFound,
    invalid,
    create: (code, message, _problems, cause) => new ErrorClass(code, message, { cause }),
  };
}

/**
 * A config path as a reader would write it: `cameras[2].zones[0].points`. Keys that are not
 * plain words are quoted: `models["a.b"]`.
 */
export function formatPath(segments: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (typeof segment === 'string' && /^[A-Za-z0-9_][A-Za-z0-9_-]*$/.test(segment))
      out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(String(segment))}]`;
  }
  return out;
}

/** One line per problem: `<file>: <path>: <message>`, or `<file>: <message>` for the file as a whole. */
function formatProblems(problems: readonly ConfigProblem[]): string {
  return problems.map((p) => `${p.file}: ${p.path === '' ? '' : `${p.path}: `}${p.message}`).join('\n');
}

/** The error `errors` makes for these problems, with the `invalid` code. */
export function invalidConfig<C extends string>(
  errors: ConfigErrors<C>,
  problems: readonly ConfigProblem[],
  cause?: unknown,
): Error {
  return errors.create(errors.invalid, formatProblems(problems), problems, cause);
}
