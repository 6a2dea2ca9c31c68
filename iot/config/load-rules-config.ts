import { codedConfigErrors } from '../../foundation/config/config-problem.ts';
import { loadConfigFileSync } from '../../foundation/config/load-config.ts';
import { type ConfigSpec, validateConfig } from '../../foundation/config/validate-config.ts';
import { IotError, type IotErrorCode } from '../errors.ts';
import { type RulesConfig, RulesConfigSchema } from '../rules/rule-schema.ts';

const RULES_CONFIG: ConfigSpec<typeof RulesConfigSchema, IotErrorCode> = {
  schema: RulesConfigSchema,
  errors: codedConfigErrors<IotErrorCode>('RULES_CONFIG_NOT_FOUND', 'RULES_CONFIG_INVALID', IotError),
};

/** Validates a rules config (already parsed) and freezes it; every problem is named with its path. */
export function parseRulesConfig(input: unknown, source = 'rules config'): Readonly<RulesConfig> {
  return validateConfig(input, source, RULES_CONFIG);
}

/** Reads, validates and freezes a rules config YAML file. */
export function loadRulesConfig(file: string): Readonly<RulesConfig> {
  return loadConfigFileSync(file, RULES_CONFIG);
}
