import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { type Document, isNode, LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { resolveFlightPaths } from '../drone/flight-config.ts';
import { ConfigError, type ConfigProblem } from './config-error.ts';
import { type EdgeConfig, EdgeConfigSchema, isStreamUrl } from './edge-config-schema.ts';

export interface ParseEdgeConfigOptions {
  /**
   * Folder that relative file paths in the config (camera file sources, mqtt.caFile, model
   * manifest .json paths) are resolved against. Absent: they are left as written.
   */
  baseDir?: string;
}

/**
 * Reads, validates and freezes the edge config file. Relative file paths in it are taken from the
 * file's folder (and come back absolute), so the edge can be started from anywhere.
 * Throws ConfigError: CONFIG_NOT_FOUND when the file cannot be read, CONFIG_INVALID (listing every
 * problem, one per line) when it is not valid YAML or not a valid config.
 */
export async function loadEdgeConfig(file: string): Promise<Readonly<EdgeConfig>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (error as Error).message;
    throw new ConfigError('CONFIG_NOT_FOUND', `${file}: ${reason}`, [{ file, path: '', message: reason }], {
      cause: error,
    });
  }
  return parseEdgeConfig(text, file, { baseDir: path.dirname(path.resolve(file)) });
}

/**
 * Validates config text. `sourceName` is what problems are reported against (the file name).
 * Returns the config with every default applied, deep-frozen.
 */
export function parseEdgeConfig(
  text: string,
  sourceName: string,
  options: ParseEdgeConfigOptions = {},
): Readonly<EdgeConfig> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw invalidYaml(
      doc.errors.map((error) => {
        const position = lineCounter.linePos(error.pos[0]);
        return {
          file: sourceName,
          path: '',
          message: error.message,
          line: position.line,
          column: position.col,
        };
      }),
    );
  }

  let raw: unknown;
  try {
    raw = doc.toJS();
  } catch (error) {
    throw invalid([{ file: sourceName, path: '', message: (error as Error).message }]);
  }
  if (raw === null || raw === undefined) {
    throw invalid([{ file: sourceName, path: '', message: 'the file is empty' }]);
  }

  const parsed = EdgeConfigSchema.safeParse(raw, { error: configErrorMessage });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue, order) => {
      const position = positionOf(doc, lineCounter, issue.path);
      return {
        order,
        problem: {
          file: sourceName,
          path: formatPath(issue.path),
          message: issue.message,
          line: position?.line,
          column: position?.col,
        },
      };
    });
    // Report in the order the problems appear in the file.
    problems.sort((a, b) => (a.problem.line ?? 0) - (b.problem.line ?? 0) || a.order - b.order);
    throw invalid(problems.map((p) => p.problem));
  }

  const config = parsed.data;
  if (options.baseDir !== undefined) resolvePaths(config, options.baseDir);
  return deepFreeze(config);
}

/**
 * A config path as a reader would write it: `cameras[2].zones[0].points`. Keys that are not
 * plain words are quoted: `models["a.b"]`.
 */
export function formatPath(segments: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (typeof segment === 'string' && /^[A-Za-z_][A-Za-z0-9_-]*$/.test(segment))
      out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(String(segment))}]`;
  }
  return out;
}

/** Freezes an object and everything reachable from it. */
export function deepFreeze<T>(value: T): Readonly<T> {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}

/** `<file>: <path>: <message>`, or `<file>: <message>` for the file as a whole. */
function invalid(problems: ConfigProblem[]): ConfigError {
  const lines = problems.map((p) => `${p.file}: ${p.path === '' ? '' : `${p.path}: `}${p.message}`);
  return new ConfigError('CONFIG_INVALID', lines.join('\n'), problems);
}

/** YAML syntax errors: `<file>:<line>:<column>: <message>`, as compilers write them. */
function invalidYaml(problems: ConfigProblem[]): ConfigError {
  const lines = problems.map((p) => `${p.file}:${p.line ?? 1}:${p.column ?? 1}: ${p.message}`);
  return new ConfigError('CONFIG_INVALID', lines.join('\n'), problems);
}

/** Line and column of the node at `issuePath`, or of its nearest ancestor in the file. */
function positionOf(
  doc: Document,
  lineCounter: LineCounter,
  issuePath: readonly PropertyKey[],
): { line: number; col: number } | undefined {
  const keys = issuePath.filter((k): k is string | number => typeof k !== 'symbol');
  for (let n = keys.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(keys.slice(0, n), true);
    if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]);
  }
  return undefined;
}

/** Makes relative file paths absolute against baseDir. Runs on the fresh parse, before freezing. */
function resolvePaths(config: EdgeConfig, baseDir: string): void {
  for (const camera of config.cameras) {
    if (!isStreamUrl(camera.source.url)) camera.source.url = path.resolve(baseDir, camera.source.url);
    const { recordUrl } = camera.source;
    if (recordUrl !== undefined && !isStreamUrl(recordUrl))
      camera.source.recordUrl = path.resolve(baseDir, recordUrl);
  }
  if (config.mqtt.caFile !== undefined) config.mqtt.caFile = path.resolve(baseDir, config.mqtt.caFile);
  config.dataDir = path.resolve(baseDir, config.dataDir);
  for (const model of Object.values(config.models)) {
    if (model.manifest.endsWith('.json')) model.manifest = path.resolve(baseDir, model.manifest);
  }
  const { drone } = config;
  if (drone !== undefined) {
    config.drone = {
      ...resolveFlightPaths(drone, baseDir),
      inbox: path.resolve(baseDir, drone.inbox),
      ...(drone.uploadDir !== undefined ? { uploadDir: path.resolve(baseDir, drone.uploadDir) } : {}),
    };
  }
}

// ---------------------------------------------------------------------------------------------
// Messages for zod's built-in checks, worded for someone editing a YAML file. Messages written in
// the schema itself take precedence over these.

function configErrorMessage(issue: z.core.$ZodRawIssue): string | undefined {
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
