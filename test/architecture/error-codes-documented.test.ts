import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CLOUD_ERROR_CODES } from '../../cloud/errors.ts';
import { ERROR_CODES as EDGE_ERROR_CODES } from '../../edge/errors.ts';
import { IOT_ERROR_CODES } from '../../iot/errors.ts';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** The codes in the README's table under `### <heading>` of its "Error codes" section. */
function documentedCodes(heading: string): string[] {
  const section = README.split('\n## Error codes\n')[1]?.split('\n## ')[0] ?? '';
  const part = section.split(`\n### ${heading}\n`)[1]?.split('\n### ')[0] ?? '';
  return [...part.matchAll(/^\| `([A-Z0-9_]+)` \|/gm)].map((match) => match[1] as string);
}

describe('the README documents every error code, and only codes that exist', () => {
  it.each([
    ['Edge', EDGE_ERROR_CODES],
    ['Cloud', CLOUD_ERROR_CODES],
    ['IoT', IOT_ERROR_CODES],
  ] as const)('%s', (heading, catalogue) => {
    const documented = documentedCodes(heading);
    expect(documented.length).toBeGreaterThan(0);
    expect(new Set(documented).size).toBe(documented.length);
    expect([...documented].sort()).toEqual(Object.keys(catalogue).sort());
  });
});
