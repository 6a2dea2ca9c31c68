import { copyFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT, type Run, runCheck, TemporaryTrees } from './temporary-tree.ts';

const DEPCRUISE = path.join(ROOT, 'node_modules/.bin/depcruise');
const CONFIG = path.join(ROOT, '.dependency-cruiser.cjs');

const trees = new TemporaryTrees();
afterEach(() => trees.removeAll());

/** Cruises a small tree written to a temporary folder with the project's own rules, as `npm run lint:deps` does. */
async function cruise(tree: Record<string, string>): Promise<Run> {
  const dir = await trees.create('dependency-rules-', tree);
  await symlink(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  await writeFile(path.join(dir, 'package.json'), '{ "type": "module" }\n');
  await copyFile(path.join(ROOT, 'tsconfig.json'), path.join(dir, 'tsconfig.json'));
  const folders = [...new Set(Object.keys(tree).map((file) => file.split('/')[0] as string))];
  return runCheck(DEPCRUISE, ['--config', CONFIG, '--output-type', 'err', ...folders], dir);
}

const entry = { 'apps/edge/main.ts': "import { run } from '../../edge/run.ts';\nrun();\n" };

describe('dependency rules (.dependency-cruiser.cjs)', () => {
  it('pass a tree that keeps the layering', async () => {
    const run = await cruise({
      ...entry,
      'edge/run.ts': "import { plus } from '../foundation/plus.ts';\nexport const run = () => plus(1);\n",
      'foundation/plus.ts': 'export const plus = (n: number) => n + 1;\n',
    });
    expect(run.output).not.toContain('error');
    expect(run.code).toBe(0);
  });

  it('fail an import from cloud/ into edge/, naming products-do-not-import-each-other', async () => {
    const run = await cruise({
      ...entry,
      'edge/run.ts': "import { ticket } from '../cloud/ticket.ts';\nexport const run = () => ticket();\n",
      'cloud/ticket.ts': 'export const ticket = () => 1;\n',
    });
    expect(run.code).not.toBe(0);
    expect(run.output).toMatch(/error products-do-not-import-each-other: edge\/run\.ts → cloud\/ticket\.ts/);
  });

  it('fail a pure module that does I/O, naming pure-modules-do-no-io', async () => {
    const run = await cruise({
      ...entry,
      'edge/run.ts': "import { inside } from './rules/zone-rule.ts';\nexport const run = () => inside();\n",
      'edge/rules/zone-rule.ts':
        "import { readFileSync } from 'node:fs';\nimport sharp from 'sharp';\n" +
        "export const inside = () => [readFileSync('x'), sharp].length;\n",
    });
    expect(run.code).not.toBe(0);
    expect(run.output).toMatch(/error pure-modules-do-no-io: edge\/rules\/zone-rule\.ts → (node:)?fs/);
    expect(run.output).toMatch(
      /error pure-modules-do-no-io: edge\/rules\/zone-rule\.ts → \S*node_modules\/sharp\//,
    );
  });

  it('fail a foundation module that imports a product, naming foundation-imports-no-product', async () => {
    const run = await cruise({
      ...entry,
      'edge/run.ts': "import { plus } from '../foundation/plus.ts';\nexport const run = () => plus();\n",
      'edge/errors.ts': 'export const CODE = 1;\n',
      'foundation/plus.ts': "import { CODE } from '../edge/errors.ts';\nexport const plus = () => CODE;\n",
    });
    expect(run.code).not.toBe(0);
    expect(run.output).toMatch(
      /error foundation-imports-no-product: foundation\/plus\.ts → edge\/errors\.ts/,
    );
  });

  it('fail two folders of a product that import each other, naming no-folder-cycles', async () => {
    const run = await cruise({
      ...entry,
      'edge/run.ts': "import { a } from './alpha/a.ts';\nexport const run = () => a();\n",
      'edge/alpha/a.ts':
        "import { b } from '../beta/b.ts';\nexport const a = () => b();\nexport const c = 1;\n",
      'edge/beta/b.ts': "import { c } from '../alpha/c.ts';\nexport const b = () => c;\n",
      'edge/alpha/c.ts': 'export const c = 1;\n',
    });
    expect(run.code).not.toBe(0);
    expect(run.output).toMatch(/error no-folder-cycles: edge\/(alpha|beta)/);
  });
});
