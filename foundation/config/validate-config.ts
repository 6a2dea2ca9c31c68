import type { z } from 'zod';
import { deepFreeze } from '../util/deep-freeze.ts';
import { configIssueMessage } from './config-issue-message.ts';
import { type ConfigErrors, type ConfigProblem, formatPath, invalidConfig } from './config-problem.ts';

/** Line and column of the node at a path in the source, or of its nearest ancestor; absent if unknown. */
export type LocatePath = (path: readonly PropertyKey[]) => { line: number; column: number } | undefined;

export interface ValidateOptions<T> {
  /** Finishes the valid config before it is frozen (e.g. makes its relative paths absolute). */
  finish?: (config: T) => T;
  /** Positions of problems in the source text: they are then reported in the order of the file. */
  locate?: LocatePath;
}

/**
 * Validates an already parsed config (YAML, environment variables, a merged object) with `schema`
 * and returns it deep-frozen. Otherwise throws `errors.invalid`, listing every problem, one per
 * line: `<source>: <path>: <message>`.
 */
export function validateConfig<S extends z.ZodType, C extends string>(
  input: unknown,
  schema: S,
  source: string,
  errors: ConfigErrors<C>,
  options: ValidateOptions<z.output<S>> = {},
): Readonly<z.output<S>> {
  const parsed = schema.safeParse(input, { error: configIssueMessage });
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
    throw invalidConfig(errors, problems);
  }
  const config = parsed.data as z.output<S>;
  return deepFreeze(options.finish ? options.finish(config) : config);
}
