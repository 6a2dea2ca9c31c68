import { z } from 'zod';

/**
 * Messages for zod's built-in checks, worded for someone editing a config file. Messages written
 * in a schema itself take precedence over these. Pass as `safeParse(input, { error: configIssueMessage })`.
 */
export function configIssueMessage(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'required';
      return `expected ${typeName(issue.expected)}, got ${describeValue(issue.input)}`;
    case 'too_small': {
      const min = Number(issue.minimum);
      if (issue.origin === 'array' || issue.origin === 'set')
        return `need at least ${min} item${min === 1 ? '' : 's'}`;
      if (issue.origin === 'string')
        return min === 1 ? 'must not be empty' : `need at least ${min} characters`;
      return issue.inclusive ? `must be at least ${min}` : `must be greater than ${min}`;
    }
    case 'too_big': {
      const max = Number(issue.maximum);
      if (issue.origin === 'array' || issue.origin === 'set')
        return `at most ${max} item${max === 1 ? '' : 's'}`;
      if (issue.origin === 'string') return `at most ${max} characters`;
      return issue.inclusive ? `must be at most ${max}` : `must be less than ${max}`;
    }
    case 'invalid_value':
      return `expected ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}, got ${describeValue(issue.input)}`;
    case 'unrecognized_keys': {
      const known = issue.inst instanceof z.ZodObject ? Object.keys(issue.inst.shape) : [];
      const parts = issue.keys.map((key) => {
        const suggestion = closest(key, known);
        return `"${key}"${suggestion === undefined ? '' : ` (did you mean "${suggestion}"?)`}`;
      });
      const allowed = known.length > 0 ? `; allowed: ${known.join(', ')}` : '';
      return `unknown field${issue.keys.length === 1 ? '' : 's'} ${parts.join(', ')}${allowed}`;
    }
    case 'invalid_key':
      return `invalid key ${describeValue(issue.input)}: ${issue.issues[0]?.message ?? 'not allowed'}`;
    case 'invalid_format':
      return `invalid ${issue.format}`;
    default:
      return undefined;
  }
}

function typeName(expected: string): string {
  switch (expected) {
    case 'array':
    case 'tuple':
      return 'a list';
    case 'object':
    case 'record':
      return 'a mapping';
    case 'string':
      return 'text';
    default:
      return `a ${expected}`;
  }
}

function describeValue(value: unknown): string {
  if (value === null) return 'nothing (null)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

/** The known key a misspelt one most likely meant: same ignoring case, or within 2 edits. */
function closest(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const distance = candidate.toLowerCase() === key.toLowerCase() ? 0 : editDistance(key, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] as number;
}
