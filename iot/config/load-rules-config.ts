import fs from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import { IotError } from '../errors.ts';
import { type RulesConfig, RulesConfigSchema } from '../rules/rule-schema.ts';

/** Validates a rules config (already parsed) and freezes it; every problem is named with its path. */
export function parseRulesConfig(input: unknown, source = 'rules config'): Readonly<RulesConfig> {
  const parsed = RulesConfigSchema.safeParse(input);
  if (!parsed.success) {
    throw new IotError('RULES_CONFIG_INVALID', `${source}:\n${z.prettifyError(parsed.error)}`);
  }
  return deepFreeze(parsed.data);
}

/** Reads, validates and freezes a rules config YAML file. */
export function loadRulesConfig(file: string): Readonly<RulesConfig> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new IotError('RULES_CONFIG_NOT_FOUND', `${file}: ${(error as Error).message}`, { cause: error });
  }
  let input: unknown;
  try {
    input = parse(text);
  } catch (error) {
    throw new IotError('RULES_CONFIG_INVALID', `${file}: ${(error as Error).message}`, { cause: error });
  }
  return parseRulesConfig(input, file);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
