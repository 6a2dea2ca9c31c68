import { z } from 'zod';

/** How a publisher reaches its MQTT broker: the `mqtt` section of a config file. */
export const MqttConnectionSchema = z.strictObject({
  url: z
    .string()
    .regex(/^(mqtt|mqtts|ws|wss):\/\/\S+$/, 'use mqtt://, mqtts://, ws:// or wss:// and a host')
    .default('mqtt://localhost:1883'),
  username: z.string().min(1).optional(),
  password: z.string().optional(),
  /** CA certificate (PEM) for mqtts/wss; relative paths are taken from the config file's folder. */
  caFile: z.string().min(1).optional(),
  /** Absent: derived from edgeId. */
  clientId: z.string().min(1).optional(),
  /** 5 (default); 4 only for a broker without MQTT 5, such as the embedded aedes of `npm start`. */
  protocolVersion: z.union([z.literal(4), z.literal(5)]).default(5),
});

export type MqttConnection = z.infer<typeof MqttConnectionSchema>;
