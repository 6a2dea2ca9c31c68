import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CHECK = path.join(ROOT, 'tools/check-file-size.ts');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');

let dir: string | undefined;

afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

async function checkTree(files: Record<string, number>): Promise<{ code: number; output: string }> {
  dir = await mkdtemp(path.join(os.tmpdir(), 'file-size-'));
  for (const [file, lines] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), 'export const x = 1;\n'.repeat(lines));
  }
  try {
    const { stdout, stderr } = await promisify(execFile)(TSX, [CHECK], { cwd: dir });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, output: failed.stdout + failed.stderr };
  }
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
