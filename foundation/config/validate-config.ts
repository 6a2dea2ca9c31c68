import type { z } from 'zod';
import { deepFreeze } from '../util/deep-freeze.ts';
import { configIssueMessage } from './config-issue-message.ts';
import { type ConfigErrors, type ConfigProblem, formatPath, invalidConfig } from './config-problem.ts';

/** One kind of config: its schema, how its problems are reported, and how its paths are resolved. */
export interface ConfigSpec<S extends z.ZodType = z.ZodType, C extends string = string> {
  readonly schema: S;
  readonly errors: ConfigErrors<C>;
  /** Makes the valid config's relative file paths absolute against `baseDir`, before it is frozen. */
  readonly resolvePaths?: (config: z.output<S>, baseDir: string) => z.output<S>;
}

/** Line and column of the node at a path in the source, or of its nearest ancestor; absent if unknown. */
export type LocatePath = (path: readonly PropertyKey[]) => { line: number; column: number } | undefined;

interface ValidateOptions {
  /** The folder relative paths are taken from (with the spec's `resolvePaths`); absent: left as written. */
  baseDir?: string;
  /** Positions of problems in the source text: they are then reported in the order of the file. */
  locate?: LocatePath;
}

/**
 * Validates an already parsed config (YAML, environment variables, a merged object) and returns
 * it deep-frozen. Otherwise throws the spec's `invalid` error, listing every problem, one per
 * line: `<source>: <path>: <message>`.
 */
export function validateConfig<S extends z.ZodType>(
  input: unknown,
  source: string,
  spec: ConfigSpec<S>,
  options: ValidateOptions = {},
): Readonly<z.output<S>> {
  const parsed = spec.schema.safeParse(input, { error: configIssueMessage });
  if (!parsed.success) {
    const problems: ConfigProblem[] = parsed.error.issues.map((issue) => {
      const position = options.locate?.(issue.path);
      return {
        file: source,
        path: formatPath(issue.path),
        message: issue.message,
        line: position?.line,
        column: position?.column,
      };
    });
    // Stable sort: problems on one line keep zod's order.
    problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
    throw invalidConfig(spec.errors, problems);
  }
  const config = parsed.data as z.output<S>;
  const { baseDir } = options;
  return deepFreeze(spec.resolvePaths && baseDir !== undefined ? spec.resolvePaths(config, baseDir) : config);
}
