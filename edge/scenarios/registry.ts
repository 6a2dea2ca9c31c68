import { z } from 'zod';
import { gathering } from './gathering.ts';
import { lineCrossing } from './line-crossing/line-crossing.ts';
import { loitering } from './loitering.ts';
import { muckTruck } from './muck-truck/muck-truck.ts';
import { occupation } from './occupation.ts';
import { parking } from './parking.ts';
import type { ScenarioBehaviour } from './scenario-definition.ts';
import { streetVending } from './street-vending.ts';

/**
 * Every scenario type the edge knows, in the order error messages list them. A new type is a
 * module (its schema, rule and definition) added here.
 */
const SCENARIOS = [
  streetVending,
  muckTruck,
  loitering,
  parking,
  lineCrossing,
  gathering,
  occupation,
] as const;

/** The definitions' schemas, as the tuple a discriminated union takes. */
type SchemasOf<T extends readonly unknown[]> = {
  -readonly [K in keyof T]: T[K] extends { schema: infer Schema } ? Schema : never;
};

/** The registered `type`s, in registry order. */
export const SCENARIO_TYPES = SCENARIOS.map((scenario) => scenario.type);

/** One scenario of a camera's `scenarios`: one of the registered types, by its `type`. */
export const ScenarioSchema = z.discriminatedUnion(
  'type',
  SCENARIOS.map((scenario) => scenario.schema) as unknown as SchemasOf<typeof SCENARIOS>,
  {
    error: (issue) => {
      if (issue.code !== 'invalid_union') return undefined;
      const input = issue.input;
      const type =
        typeof input === 'object' && input !== null ? (input as { type?: unknown }).type : undefined;
      const expected = `expected one of ${SCENARIO_TYPES.join(', ')}`;
      if (type === undefined) return `required: the scenario type, ${expected}`;
      return `unknown scenario type ${JSON.stringify(type)}; ${expected}`;
    },
  },
);

export type ScenarioConfig = z.infer<typeof ScenarioSchema>;

const BY_TYPE: ReadonlyMap<string, unknown> = new Map(SCENARIOS.map((scenario) => [scenario.type, scenario]));

/** What the edge does with a scenario of this config's type. */
export function scenarioBehaviour(config: Readonly<ScenarioConfig>): ScenarioBehaviour<ScenarioConfig> {
  // Each definition takes configs of its own type, which the lookup by type guarantees.
  return BY_TYPE.get(config.type) as ScenarioBehaviour<ScenarioConfig>;
}

/** The fields of a scenario type that name a classifier; none for an unknown type. */
export function classifierFields(type: unknown): readonly string[] {
  const scenario = typeof type === 'string' ? BY_TYPE.get(type) : undefined;
  return (scenario as ScenarioBehaviour<ScenarioConfig> | undefined)?.classifierFields ?? [];
}

/** The aliases (under `models`) of the classifiers a scenario runs. */
export function scenarioClassifiers(config: Readonly<ScenarioConfig>): string[] {
  const fields = config as Readonly<Record<string, unknown>>;
  return classifierFields(config.type).map((field) => String(fields[field]));
}

/** The aliases (under `models`) of the OCR models a scenario reads plates with; none if it reads none. */
export function scenarioPlateModels(config: Readonly<ScenarioConfig>): readonly string[] {
  return scenarioBehaviour(config).plateModels?.(config) ?? [];
}

/** The name events carry for a scenario: its own, or `<type>_<the zone it watches>`. */
export function scenarioName(config: Readonly<ScenarioConfig>): string {
  return config.name ?? `${config.type}_${scenarioBehaviour(config).watches(config)}`;
}
