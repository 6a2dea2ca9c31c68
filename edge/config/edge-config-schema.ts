import { z } from 'zod';
import { MqttConnectionSchema } from '../../foundation/delivery/mqtt/mqtt-connection-schema.ts';
import { Id } from '../../foundation/edge-config/config-fields.ts';
import { alwaysWhenObject, checkEdgeReferences } from '../../foundation/edge-config/config-references.ts';
import { fleetSections } from '../../foundation/edge-config/fleet-config-schema.ts';
import { classifierFields, ScenarioSchema } from '../scenarios/registry.ts';
import { ApiSchema, LiveViewSchema } from './api-schema.ts';
import { DeliverySchema } from './delivery-schema.ts';
import { DroneSchema } from './drone-schema.ts';
import { EvidenceSchema } from './evidence-schema.ts';

/** Whether the command centre manages this box's cameras and models (edge/fleet/). */
const FleetSchema = z.strictObject({
  /**
   * true: the cloud's desired configuration (timezone, models, cameras) replaces this file's once
   * the box has one; the last one applied is kept under dataDir and used at the next start, with
   * or without the cloud. false: this file is all there is, and the status says `source: file`.
   */
  managed: z.boolean().default(false),
  /**
   * A managed box asks the cloud for the model versions assigned to its cameras this often (and
   * on each configuration notice).
   */
  modelsPollSeconds: z.number().positive().default(300),
});

/**
 * The edge config file (YAML): the one description of what an edge box watches and reports.
 * Validated once at boot (see load-edge-config.ts) and frozen; a configuration from the cloud is
 * validated with this very schema before it replaces the running one (edge/fleet/). The sections
 * the cloud manages (cameras, zones, scenarios, models) are in foundation/edge-config/, so that the
 * cloud checks them with the same schema; scenario types own theirs (edge/scenarios/).
 */
export const EdgeConfigSchema = z
  .strictObject({
    /** This edge box's id; used in MQTT topics. */
    edgeId: Id,
    ...fleetSections(ScenarioSchema),
    /** Where events go. Optional in the file; its defaults always apply. */
    mqtt: MqttConnectionSchema.prefault({}),
    /** The local HTTP API. Optional in the file; its defaults always apply. */
    api: ApiSchema.prefault({}),
    /** Folder for the outbox, evidence and the clip buffer; relative to the config file. */
    dataDir: z.string().min(1).default('data'),
    delivery: DeliverySchema.prefault({}),
    evidence: EvidenceSchema.prefault({}),
    live: LiveViewSchema.prefault({}),
    /** Drone flights; absent: this box takes none. */
    drone: DroneSchema.optional(),
    fleet: FleetSchema.prefault({}),
  })
  .superRefine((config: unknown, ctx) => checkEdgeReferences(config, ctx, classifierFields), {
    when: alwaysWhenObject,
  })
  .refine((config) => !config.fleet.managed || config.evidence.upload?.token !== undefined, {
    path: ['fleet', 'managed'],
    message:
      'a managed box pulls its configuration from the cloud with its edge token: set evidence.upload (url and token)',
  });

export type EdgeConfig = z.infer<typeof EdgeConfigSchema>;
