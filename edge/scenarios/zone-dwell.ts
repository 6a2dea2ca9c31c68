import type { z } from 'zod';
import type { EventType } from '../../foundation/contract/events.ts';
import { type DwellRule, DwellScenario } from '../rules/dwell-rule.ts';
import type { ScenarioConfigBase, ScenarioDefinition } from './scenario-definition.ts';

/** Where re-association alone needs a radius (a type with no stationary notion of its own). */
export const DEFAULT_PRESENCE_RADIUS = 0.02;

type ZoneConfigBase = ScenarioConfigBase & { zone: string };

/**
 * A scenario type whose rule is a dwell rule over its zone (gathering, loitering, parking):
 * its schema, its event type, and how its config reads as a dwell rule.
 */
export function zoneDwellScenario<Schema extends z.ZodType<ZoneConfigBase>>(spec: {
  type: z.output<Schema>['type'];
  schema: Schema;
  eventType: EventType;
  /** Fraction of the frame's diagonal within which an object counts as stationary. */
  stationaryRadius: (config: z.output<Schema>) => number;
  rule: (config: z.output<Schema>) => DwellRule;
}): ScenarioDefinition<Schema> {
  return {
    type: spec.type,
    schema: spec.schema,
    eventType: spec.eventType,
    watches: (config) => config.zone,
    buildRule: (config, context) =>
      new DwellScenario(
        context.inZone(config.zone),
        context.presence(spec.stationaryRadius(config)),
        spec.rule(config),
      ),
  };
}
