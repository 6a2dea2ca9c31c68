import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

/** Longer files are split into modules with one job each, short enough to read in one sitting. */
const MAX_LINES = 400;
const FOLDERS = [
  'foundation',
  'edge',
  'iot',
  'cloud',
  'apps',
  'deploy',
  'models',
  'fixtures',
  'test',
  'tools',
];
const SOURCE = /\.(c|m)?(t|j)s$/;
const SKIPPED_FOLDERS = new Set(['node_modules']);

async function* sourceFiles(folder: string): AsyncGenerator<string> {
  const entries = await readdir(folder, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    const file = path.join(folder, entry.name);
    if (entry.isDirectory() && !SKIPPED_FOLDERS.has(entry.name)) yield* sourceFiles(file);
    else if (entry.isFile() && SOURCE.test(entry.name)) yield file;
  }
}

/** Counts lines as `wc -l` does: the newlines in the file. */
function countLines(text: string): number {
  let lines = 0;
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) lines += 1;
  return lines;
}

const offenders: string[] = [];
let checked = 0;
for (const folder of FOLDERS) {
  for await (const file of sourceFiles(folder)) {
    checked += 1;
    const lines = countLines(await readFile(file, 'utf8'));
    if (lines > MAX_LINES) offenders.push(`${file.split(path.sep).join('/')}: ${lines} lines`);
  }
}

if (offenders.length > 0) {
  console.error(`${offenders.length} source files have more than ${MAX_LINES} lines:`);
  for (const offender of offenders.sort()) console.error(`  ${offender}`);
  process.exit(1);
}
console.log(`${checked} source files, none over ${MAX_LINES} lines`);
