import os from 'node:os';
import pino from 'pino';
import { z } from 'zod';
import { startCloudWithIot } from '../apps/cloud/start-cloud-with-iot.ts';
import { CloudConfigSchema, EvidenceConfigSchema } from '../cloud/config/cloud-config-schema.ts';
import { loadCloudConfig } from '../cloud/config/load-cloud-config.ts';
import { validateConfig } from '../foundation/config/validate-config.ts';
import { ENV_ERRORS, readEnv } from './read-env.ts';
import { runService } from './run-service.ts';

/**
 * The cloud service configured by environment variables over a base config file (places, routing,
 * users): what docker-compose.yml runs, once per replica.
 */
const EnvSchema = z.object({
  CLOUD_CONFIG: z.string().min(1).default('fixtures/cloud/cloud.yaml'),
  DATABASE_URL: z.string().startsWith('postgres').optional(),
  MQTT_URL: z.string().regex(/^mqtts?:\/\//, 'mqtt://host:port'),
  MQTT_PROTOCOL_VERSION: z.enum(['4', '5']).default('5').transform(Number),
  MQTT_GROUP: z.string().min(1).optional(),
  /** Each replica needs its own: default the container's hostname. */
  MQTT_CLIENT_ID: z.string().min(1).default(`cloud-${os.hostname()}`),
  MQTT_USERNAME: z.string().optional(),
  MQTT_PASSWORD: z.string().optional(),
  /**
   * "nats://host:port,…": consume the events from NATS JetStream (cloud/nats/) instead of an MQTT
   * subscription; MQTT_URL is then NATS's MQTT listener, with MQTT_PROTOCOL_VERSION 4.
   */
  NATS_SERVERS: z.string().min(1).optional(),
  API_HOST: z.string().default('0.0.0.0'),
  API_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  /** 'disk': EVIDENCE_DIR (shared by replicas only through a shared volume); 's3': the bucket below. */
  EVIDENCE_STORE: z.enum(['disk', 's3']).default('disk'),
  EVIDENCE_DIR: z.string().min(1).default('/data/evidence'),
  EVIDENCE_S3_ENDPOINT: z.url().optional(),
  EVIDENCE_S3_REGION: z.string().min(1).default('us-east-1'),
  EVIDENCE_S3_BUCKET: z.string().optional(),
  EVIDENCE_S3_PREFIX: z.string().default('evidence/'),
  EVIDENCE_S3_ACCESS_KEY_ID: z.string().optional(),
  EVIDENCE_S3_SECRET_ACCESS_KEY: z.string().optional(),
  EVIDENCE_S3_FORCE_PATH_STYLE: z.enum(['true', 'false']).default('true'),
  /** "edgeId=http://host:port,…": where each edge's live view is, for the UI. */
  EDGE_API_URLS: z.string().default(''),
  LOG_LEVEL: z.string().default('info'),
});

async function main() {
  const env = readEnv(EnvSchema);
  const evidence = validateConfig(
    env.EVIDENCE_STORE === 's3'
      ? {
          store: 's3',
          dir: env.EVIDENCE_DIR,
          s3: {
            endpoint: env.EVIDENCE_S3_ENDPOINT,
            region: env.EVIDENCE_S3_REGION,
            bucket: env.EVIDENCE_S3_BUCKET,
            prefix: env.EVIDENCE_S3_PREFIX,
            accessKeyId: env.EVIDENCE_S3_ACCESS_KEY_ID,
            secretAccessKey: env.EVIDENCE_S3_SECRET_ACCESS_KEY,
            forcePathStyle: env.EVIDENCE_S3_FORCE_PATH_STYLE === 'true',
          },
        }
      : { store: 'disk', dir: env.EVIDENCE_DIR },
    'EVIDENCE_STORE, EVIDENCE_DIR and EVIDENCE_S3_*',
    { schema: EvidenceConfigSchema, errors: ENV_ERRORS },
  );
  const base = await loadCloudConfig(env.CLOUD_CONFIG);
  const edgeApiUrls = new Map(
    env.EDGE_API_URLS.split(',')
      .filter(Boolean)
      .map((pair) => pair.split('=', 2) as [string, string]),
  );
  const config = validateConfig(
    {
      ...base,
      database: env.DATABASE_URL ? { url: env.DATABASE_URL } : base.database,
      mqtt: {
        ...base.mqtt,
        url: env.MQTT_URL,
        protocolVersion: env.MQTT_PROTOCOL_VERSION as 4 | 5,
        group: env.MQTT_GROUP,
        clientId: env.MQTT_CLIENT_ID,
        username: env.MQTT_USERNAME,
        password: env.MQTT_PASSWORD,
      },
      api: { host: env.API_HOST, port: env.API_PORT },
      ...(env.NATS_SERVERS ? { nats: { ...base.nats, servers: env.NATS_SERVERS.split(',') } } : {}),
      // Limits come from the config file; only where the evidence lives comes from the environment.
      evidence: {
        ...evidence,
        ...(base.evidence.maxUploadBytes !== undefined
          ? { maxUploadBytes: base.evidence.maxUploadBytes }
          : {}),
        ...(base.evidence.incompleteUploadHours !== undefined
          ? { incompleteUploadHours: base.evidence.incompleteUploadHours }
          : {}),
      },
    },
    `${env.CLOUD_CONFIG} with the environment`,
    { schema: CloudConfigSchema, errors: ENV_ERRORS },
  );
  return startCloudWithIot(config, { logger: pino({ level: env.LOG_LEVEL }), edgeApiUrls });
}

runService(main, 'CLOUD_FAILED');
