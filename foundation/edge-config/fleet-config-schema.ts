import { z } from 'zod';
import { cameraSchema } from './camera-schema.ts';
import { Id } from './config-fields.ts';
import { alwaysWhenObject, checkEdgeReferences } from './config-references.ts';
import { ModelsSchema } from './models-schema.ts';

/**
 * The sections of an edge config the command centre manages from the cloud: what the box watches
 * (its cameras with their sources, zones, lines and scenarios, and the models they use). The rest
 * of the file (edgeId, broker, API, data folder, delivery, evidence) stays the box's own: the cloud
 * never sends credentials or paths of the box.
 */
export function fleetSections<Scenario extends z.ZodType>(scenario: Scenario) {
  return {
    /** IANA time zone (e.g. "Asia/Shanghai") for schedules and local times in events; absent: the host's. */
    timezone: z
      .string()
      .refine(isTimeZone, { message: 'not a known IANA time zone (e.g. "Europe/London")' })
      .optional(),
    models: ModelsSchema,
    cameras: z.array(cameraSchema(scenario)).min(1, 'need at least 1 camera'),
  };
}

/** The top-level fields fleetSections covers. */
export const FLEET_SECTION_KEYS = ['timezone', 'models', 'cameras'] as const;

/**
 * A scenario as the cloud checks it: its type, name and zone (the zone must be one of the camera's).
 * Each type's own fields are the edge's (edge/scenarios/), which the cloud may not import; the edge
 * validates them when it applies the config and reports the exact problem in its status.
 */
const ScenarioEnvelopeSchema = z.looseObject({
  type: z.string().min(1),
  name: Id.optional(),
  zone: z.string().min(1).optional(),
});

/**
 * An edge's desired configuration as the cloud stores it: the managed sections, validated with the
 * edge's own schema except the scenario types' fields. Classifier aliases of scenarios are checked
 * by the edge too.
 */
export const FleetConfigSchema = z
  .strictObject(fleetSections(ScenarioEnvelopeSchema))
  .superRefine((config: unknown, ctx) => checkEdgeReferences(config, ctx, () => []), {
    when: alwaysWhenObject,
  });

/** The desired configuration as written (before defaults): what is stored, hashed and sent. */
export type FleetConfigInput = z.input<typeof FleetConfigSchema>;

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
