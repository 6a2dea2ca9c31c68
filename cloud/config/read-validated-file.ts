import type { z } from 'zod';
import type { ConfigErrors } from '../../foundation/config/config-problem.ts';
import { loadConfigFile } from '../../foundation/config/load-config.ts';
import type { ConfigSpec } from '../../foundation/config/validate-config.ts';
import { CloudError, type CloudErrorCode } from '../errors.ts';

/**
 * Reads a YAML (or JSON) file, validates it with `schema` and freezes it. Throws CONFIG_NOT_FOUND
 * when the file cannot be read, and `invalidCode` with one line per problem (`<file>: <path>: <message>`)
 * when it is not valid YAML or does not match.
 */
export function readValidatedFile<S extends z.ZodType>(
  file: string,
  schema: S,
  invalidCode: CloudErrorCode,
  resolvePaths?: ConfigSpec<S>['resolvePaths'],
): Promise<Readonly<z.output<S>>> {
  return loadConfigFile(file, { schema, errors: cloudConfigErrors(invalidCode), resolvePaths });
}

function cloudConfigErrors(invalidCode: CloudErrorCode): ConfigErrors<CloudErrorCode> {
  return {
    notFound: 'CONFIG_NOT_FOUND',
    invalid: invalidCode,
    create: (code, message, problems, cause) =>
      new CloudError(code, message, { file: problems[0]?.file, problems }, { cause }),
  };
}
