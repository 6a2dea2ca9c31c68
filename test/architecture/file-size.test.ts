import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT, type Run, runCheck, TemporaryTrees } from './temporary-tree.ts';

const CHECK = path.join(ROOT, 'tools/check-file-size.ts');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');

const trees = new TemporaryTrees();
afterEach(() => trees.removeAll());

/** Runs the size check over files of `lines` lines each. */
async function checkTree(files: Record<string, number>): Promise<Run> {
  const texts = Object.fromEntries(
    Object.entries(files).map(([file, lines]) => [file, 'export const x = 1;\n'.repeat(lines)]),
  );
  return runCheck(TSX, [CHECK], await trees.create('file-size-', texts));
}

describe('npm run lint:size (tools/check-file-size.ts)', () => {
  it('passes source files of 400 lines', async () => {
    const run = await checkTree({ 'edge/a.ts': 400, 'cloud/ui/b.js': 400, 'fixtures/data.json': 900 });
    expect(run.code).toBe(0);
  });

  it('fails naming each file over 400 lines with its count, node_modules aside', async () => {
    const run = await checkTree({
      'edge/rules/long.ts': 401,
      'test/long.test.ts': 520,
      'cloud/ok.ts': 12,
      'edge/node_modules/pkg/huge.js': 5000,
    });
    expect(run.code).toBe(1);
    expect(run.output).toContain('edge/rules/long.ts: 401 lines');
    expect(run.output).toContain('test/long.test.ts: 520 lines');
    expect(run.output).not.toContain('cloud/ok.ts');
    expect(run.output).not.toContain('huge.js');
  });
});
