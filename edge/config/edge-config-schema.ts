import { z } from 'zod';
import { MqttConnectionSchema } from '../../foundation/delivery/mqtt/mqtt-connection-schema.ts';
import { Id } from '../schema/config-fields.ts';
import { ApiSchema, LiveViewSchema } from './api-schema.ts';
import { CameraSchema } from './camera-schema.ts';
import { alwaysWhenObject, checkEdgeReferences } from './config-references.ts';
import { DeliverySchema } from './delivery-schema.ts';
import { DroneSchema } from './drone-schema.ts';
import { EvidenceSchema } from './evidence-schema.ts';
import { ModelsSchema } from './models-schema.ts';

/**
 * The edge config file (YAML): the one description of what an edge box watches and reports.
 * Validated once at boot (see load-edge-config.ts) and frozen; nothing else reads the file. Each
 * section has its schema module here; zones and scenarios own theirs (edge/zones/zone-schema.ts,
 * edge/scenarios/); what other folders read too (the field conventions, the camera source) is in
 * edge/schema/.
 */
export const EdgeConfigSchema = z
  .strictObject({
    /** This edge box's id; used in MQTT topics. */
    edgeId: Id,
    /** IANA time zone (e.g. "Asia/Shanghai") for schedules and local times in events; absent: the host's. */
    timezone: z
      .string()
      .refine(isTimeZone, { message: 'not a known IANA time zone (e.g. "Europe/London")' })
      .optional(),
    models: ModelsSchema,
    cameras: z.array(CameraSchema).min(1, 'need at least 1 camera'),
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
  })
  .superRefine((config: unknown, ctx) => checkEdgeReferences(config, ctx), { when: alwaysWhenObject });

export type EdgeConfig = z.infer<typeof EdgeConfigSchema>;

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
