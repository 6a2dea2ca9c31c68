import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import type { z } from 'zod';
import { CloudError, type CloudErrorCode } from '../common/cloud-error.ts';

/**
 * Reads a YAML (or JSON) file and validates it with `schema`. Throws CONFIG_NOT_FOUND when the
 * file cannot be read, and `invalidCode` with one line per problem (`<file>: <path>: <message>`)
 * when it is not valid YAML or does not match.
 */
export async function readValidatedFile<S extends z.ZodType>(
  file: string,
  schema: S,
  invalidCode: CloudErrorCode,
): Promise<z.output<S>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (error as Error).message;
    throw new CloudError('CONFIG_NOT_FOUND', `${file}: ${reason}`, { file }, { cause: error });
  }
  let raw: unknown;
  try {
    raw = parse(text, { uniqueKeys: true });
  } catch (error) {
    throw new CloudError(invalidCode, `${file}: ${(error as Error).message}`, { file }, { cause: error });
  }
  const parsed = schema.safeParse(raw ?? {});
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => ({
    path: issue.path
      .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
      .join('')
      .replace(/^\./, ''),
    message: issue.message,
  }));
  const lines = problems.map((p) => `${file}: ${p.path === '' ? '' : `${p.path}: `}${p.message}`);
  throw new CloudError(invalidCode, lines.join('\n'), { file, problems });
}
