import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { z } from 'zod';
import { CloudError, type CloudErrorCode } from '../errors.ts';

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
  const parsed = schema.safeParse(raw ?? {}, { error: fileErrorMessage });
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

/** Messages for zod's built-in checks, worded for someone editing the file. */
function fileErrorMessage(issue: z.core.$ZodRawIssue): string | undefined {
  if (issue.code === 'invalid_type' && issue.input === undefined) return 'required';
  if (issue.code === 'unrecognized_keys') {
    const known = issue.inst instanceof z.ZodObject ? Object.keys(issue.inst.shape) : [];
    const keys = issue.keys.map((k) => `"${k}"`).join(', ');
    return `unknown field${issue.keys.length === 1 ? '' : 's'} ${keys}${known.length ? `; allowed: ${known.join(', ')}` : ''}`;
  }
  return undefined;
}
