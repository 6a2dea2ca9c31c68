import type { ConfigErrors, ConfigProblem } from '../../foundation/config/config-problem.ts';
import { parseConfigText } from '../../foundation/config/load-config.ts';
import { type ConfigSpec, validateConfig } from '../../foundation/config/validate-config.ts';
import { CloudError } from '../errors.ts';
import { type Permit, PermitRegistrySchema } from './permit-schema.ts';

/** One thing wrong with a registry: the permit's row (1-based; absent for the file as a whole) and field. */
export interface PermitProblem {
  row: number | undefined;
  field: string;
  message: string;
  /** Line in the file, where known. */
  line: number | undefined;
}

const ROW = /^permits\[(\d+)\](?:\.?(.*))?$/;

function problemOf(p: ConfigProblem): PermitProblem {
  const match = ROW.exec(p.path);
  return match
    ? { row: Number(match[1]) + 1, field: match[2] || '(the row)', message: p.message, line: p.line }
    : { row: undefined, field: p.path || '(the file)', message: p.message, line: p.line };
}

function describe(source: string, p: PermitProblem): string {
  const where = p.line === undefined ? '' : `:${p.line}`;
  const row = p.row === undefined ? '' : `row ${p.row}: `;
  return `${source}${where}: ${row}${p.field}: ${p.message}`;
}

/** Problems become PERMITS_INVALID, one line per problem naming the row and field. */
const errors: ConfigErrors<'CONFIG_NOT_FOUND' | 'PERMITS_INVALID'> = {
  notFound: 'CONFIG_NOT_FOUND',
  invalid: 'PERMITS_INVALID',
  create(code, message, problems, cause) {
    if (code === 'CONFIG_NOT_FOUND')
      return new CloudError(code, message, { file: problems[0]?.file }, { cause });
    const source = problems[0]?.file ?? 'registry';
    const listed = problems.map(problemOf);
    return new CloudError(
      code,
      `the permit registry was refused; the previous one stays in force:\n${listed.map((p) => describe(source, p)).join('\n')}`,
      { source, problems: listed },
      { cause },
    );
  },
};

const spec: ConfigSpec<typeof PermitRegistrySchema> = { schema: PermitRegistrySchema, errors };

/**
 * The permits of a registry: YAML or JSON text (a file's or an upload's), or a parsed JSON body.
 * `source` names it in the problems. Throws PERMITS_INVALID.
 */
export function parsePermitRegistry(body: unknown, source: string): readonly Permit[] {
  const registry =
    typeof body === 'string' ? parseConfigText(body, source, spec) : validateConfig(body, source, spec);
  return registry.permits;
}
