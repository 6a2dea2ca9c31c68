import pino from 'pino';
import { z } from 'zod';
import { EdgeConfigSchema } from '../edge/config/edge-config-schema.ts';
import { loadEdgeConfig } from '../edge/config/load-edge-config.ts';
import { startEdge } from '../edge/runtime/start-edge.ts';
import { validateConfig } from '../foundation/config/validate-config.ts';
import { ENV_ERRORS, readEnv } from './read-env.ts';
import { runService } from './run-service.ts';

/** An edge node configured by environment variables over its config file (cameras, zones, models). */
const EnvSchema = z.object({
  EDGE_CONFIG: z.string().min(1).default('fixtures/demo/edge.yaml'),
  MQTT_URL: z.string().regex(/^(mqtts?|wss?):\/\//, 'mqtt://host:port'),
  MQTT_PROTOCOL_VERSION: z.enum(['4', '5']).default('5').transform(Number),
  MQTT_USERNAME: z.string().optional(),
  MQTT_PASSWORD: z.string().optional(),
  /** The cloud's base URL, where evidence is uploaded. */
  EVIDENCE_UPLOAD_URL: z.url().optional(),
  EDGE_TOKEN: z.string().min(1).optional(),
  DATA_DIR: z.string().min(1).default('/data/edge'),
  API_HOST: z.string().default('0.0.0.0'),
  API_PORT: z.coerce.number().int().min(1).max(65535).default(8088),
  LOG_LEVEL: z.string().default('info'),
});

async function main() {
  const env = readEnv(EnvSchema);
  const file = await loadEdgeConfig(env.EDGE_CONFIG);
  const config = validateConfig(
    {
      ...file,
      mqtt: {
        ...file.mqtt,
        url: env.MQTT_URL,
        protocolVersion: env.MQTT_PROTOCOL_VERSION as 4 | 5,
        ...(env.MQTT_USERNAME ? { username: env.MQTT_USERNAME, password: env.MQTT_PASSWORD } : {}),
      },
      evidence: {
        ...file.evidence,
        ...(env.EVIDENCE_UPLOAD_URL
          ? {
              upload: {
                url: env.EVIDENCE_UPLOAD_URL,
                chunkKilobytes: 1024,
                ...(env.EDGE_TOKEN ? { token: env.EDGE_TOKEN } : {}),
              },
            }
          : {}),
      },
      api: { host: env.API_HOST, port: env.API_PORT },
      dataDir: env.DATA_DIR,
    },
    `${env.EDGE_CONFIG} with the environment`,
    { schema: EdgeConfigSchema, errors: ENV_ERRORS },
  );
  return startEdge(config, { logger: pino({ level: env.LOG_LEVEL }) });
}

runService(main, 'EDGE_FAILED');
