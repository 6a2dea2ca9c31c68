import type { z } from 'zod';
import type { ConfigErrors } from '../foundation/config/config-problem.ts';
import { validateConfig } from '../foundation/config/validate-config.ts';

/** A deploy entry point's config errors: exit with `ENV_INVALID: <source>: <path>: <message>`. */
export const ENV_ERRORS: ConfigErrors<'ENV_INVALID'> = {
  notFound: 'ENV_INVALID',
  invalid: 'ENV_INVALID',
  create: (code, message, _problems, cause) => Object.assign(new Error(message, { cause }), { code }),
};

/** The environment variables `schema` names, validated and frozen; problems name each variable. */
export function readEnv<S extends z.ZodType>(
  schema: S,
  env: NodeJS.ProcessEnv = process.env,
): Readonly<z.output<S>> {
  return validateConfig(env, 'environment', { schema, errors: ENV_ERRORS });
}
