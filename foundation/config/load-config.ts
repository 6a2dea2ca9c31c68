import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { type Document, isNode, LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { type ConfigErrors, invalidConfig } from './config-problem.ts';
import { type ConfigSpec, type LocatePath, validateConfig } from './validate-config.ts';

/**
 * Reads a YAML (or JSON) config file, validates it with the spec's schema and returns it
 * deep-frozen, relative paths taken from the file's folder. Throws the spec's errors: `notFound`
 * when the file cannot be read (`<file>: file not found`), `invalid` listing every problem one per
 * line, `<file>: <path>: <message>` in the order of the file (YAML syntax: `<file>:<line>:<column>: <message>`).
 */
export async function loadConfigFile<S extends z.ZodType>(
  file: string,
  spec: ConfigSpec<S>,
): Promise<Readonly<z.output<S>>> {
  const text = await readFile(file, 'utf8').catch((error: unknown) => {
    throw notFound(file, spec.errors, error);
  });
  return parseConfigText(text, file, spec, folderOf(file));
}

/** `loadConfigFile` for callers that cannot wait (a config read while wiring a process). */
export function loadConfigFileSync<S extends z.ZodType>(
  file: string,
  spec: ConfigSpec<S>,
): Readonly<z.output<S>> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw notFound(file, spec.errors, error);
  }
  return parseConfigText(text, file, spec, folderOf(file));
}

/**
 * Parses and validates config text; `source` (the file name) is what problems are reported
 * against, `baseDir` the folder relative paths are taken from (absent: they stay as written).
 */
export function parseConfigText<S extends z.ZodType>(
  text: string,
  source: string,
  spec: ConfigSpec<S>,
  baseDir?: string,
): Readonly<z.output<S>> {
  const { errors } = spec;
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((error) => {
      const { line, col } = lineCounter.linePos(error.pos[0]);
      return { file: source, path: '', message: error.message, line, column: col };
    });
    const message = problems.map((p) => `${p.file}:${p.line}:${p.column}: ${p.message}`).join('\n');
    throw errors.create(errors.invalid, message, problems);
  }
  let raw: unknown;
  try {
    raw = doc.toJS();
  } catch (error) {
    throw invalidConfig(errors, [{ file: source, path: '', message: (error as Error).message }], error);
  }
  if (raw === null || raw === undefined)
    throw invalidConfig(errors, [{ file: source, path: '', message: 'the file is empty' }]);
  return validateConfig(raw, source, spec, { baseDir, locate: locator(doc, lineCounter) });
}

function folderOf(file: string): string {
  return path.dirname(path.resolve(file));
}

function notFound<C extends string>(file: string, errors: ConfigErrors<C>, error: unknown): Error {
  const reason =
    (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (error as Error).message;
  return errors.create(errors.notFound, `${file}: ${reason}`, [{ file, path: '', message: reason }], error);
}

function locator(doc: Document, lineCounter: LineCounter): LocatePath {
  return (issuePath) => {
    const keys = issuePath.filter((k): k is string | number => typeof k !== 'symbol');
    for (let n = keys.length; n >= 0; n--) {
      const node = n === 0 ? doc.contents : doc.getIn(keys.slice(0, n), true);
      if (isNode(node) && node.range) {
        const { line, col } = lineCounter.linePos(node.range[0]);
        return { line, column: col };
      }
    }
    return undefined;
  };
}
