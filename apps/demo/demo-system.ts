import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino, { type Logger } from 'pino';
import type { RunningCloud } from '../../cloud/app/start-cloud.ts';
import type { CloudConfig } from '../../cloud/config/cloud-config-schema.ts';
import { loadCloudConfig } from '../../cloud/config/load-cloud-config.ts';
import type { EdgeConfig } from '../../edge/config/edge-config-schema.ts';
import { loadEdgeConfig } from '../../edge/config/load-edge-config.ts';
import { type RunningEdge, startEdge } from '../../edge/runtime/start-edge.ts';
import { startCloudWithIot } from '../cloud/start-cloud-with-iot.ts';
import { type DemoIot, startDemoIot } from './demo-iot.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
export const DEMO_CLOUD_CONFIG = path.join(ROOT, 'fixtures/cloud/cloud.yaml');
export const DEMO_EDGE_CONFIG = path.join(ROOT, 'fixtures/demo/edge.yaml');
const STOP_STEP_MS = 10_000;
/** The fixture config's test tokens: each user's (and edge's) token is its name + "-token". */
export const demoToken = (name: string) => `${name}-token`;

export interface DemoOptions {
  /** The UI's port; taken when free, else any free port. */
  port: number;
  host: string;
  /** Where the database, evidence and the edge's outbox go; absent: a fresh temp folder, removed at stop. */
  dataDir?: string | undefined;
  logger: Logger;
  /** Start the IoT simulator and rule engine (default true). */
  iot?: boolean;
}

export interface RunningDemo {
  cloud: RunningCloud;
  edge: RunningEdge;
  iot: DemoIot | undefined;
  users: { name: string; role: string; token: string }[];
  dataDir: string;
  stop(): Promise<void>;
}

async function startCloudOn(config: Readonly<CloudConfig>, options: Parameters<typeof startCloudWithIot>[1]) {
  try {
    return await startCloudWithIot(config, options);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || config.api.port === 0) throw error;
    return startCloudWithIot({ ...config, api: { ...config.api, port: 0 } }, options);
  }
}

/**
 * The whole system in this process: the cloud (embedded PGlite, embedded aedes broker, API and
 * UI), an edge node replaying the fixture videos as live cameras into it, and the IoT simulator.
 */
export async function startDemo(options: DemoOptions): Promise<RunningDemo> {
  const ownDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(os.tmpdir(), 'city-stream-demo-')));
  const log = options.logger;
  const stops: [string, () => Promise<void>][] = [];
  const stop = async () => {
    for (const [name, fn] of stops.splice(0).reverse()) {
      log.info({ step: name }, 'stopping');
      let timer: NodeJS.Timeout | undefined;
      // A step that hangs (an upload cut off mid-request) must not keep the demo from exiting.
      const late = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          log.warn({ step: name }, `did not stop within ${STOP_STEP_MS / 1000} s; going on`);
          resolve();
        }, STOP_STEP_MS);
      });
      await Promise.race([
        fn().catch((error) => log.warn({ err: error, step: name }, 'stop step failed')),
        late,
      ]);
      clearTimeout(timer);
    }
  };
  try {
    if (ownDir) stops.push(['data folder', () => rm(dataDir, { recursive: true, force: true })]);
    const base = await loadCloudConfig(DEMO_CLOUD_CONFIG);
    const cloudConfig: Readonly<CloudConfig> = {
      ...base,
      database: { dataDir: path.join(dataDir, 'cloud-db') },
      // Port 0: Mosquitto may already hold 1883 on this machine.
      mqtt: { ...base.mqtt, embeddedPort: 0 },
      api: { host: options.host, port: options.port },
      evidence: { dir: path.join(dataDir, 'cloud-evidence') },
    };
    const edgeApiUrls = new Map<string, string>();
    const cloud = await startCloudOn(cloudConfig, {
      logger: log.child({ part: 'cloud' }),
      edgeApiUrls,
    });
    stops.push(['cloud', () => cloud.stop()]);

    const file = await loadEdgeConfig(DEMO_EDGE_CONFIG);
    const edgeConfig: Readonly<EdgeConfig> = {
      ...file,
      // The embedded aedes speaks MQTT 3.1.1 only.
      mqtt: { ...file.mqtt, url: cloud.mqttUrl, protocolVersion: 4, clientId: `${file.edgeId}-demo` },
      evidence: {
        ...file.evidence,
        upload: { url: cloud.url, token: demoToken(file.edgeId), chunkKilobytes: 1024 },
      },
      dataDir: path.join(dataDir, 'edge'),
    };
    const edge = await startEdge(edgeConfig, { logger: log.child({ part: 'edge' }), apiPort: 0 });
    stops.push(['edge', () => edge.stop()]);
    edgeApiUrls.set(edgeConfig.edgeId, edge.apiUrl);

    let iot: DemoIot | undefined;
    if (options.iot !== false) {
      iot = await startDemoIot(cloud.mqttUrl, log.child({ part: 'iot' }));
      stops.push(['iot', () => (iot as DemoIot).stop()]);
    }
    const users = cloudConfig.auth.users.map((u) => ({
      name: u.name,
      role: u.role,
      token: demoToken(u.name),
    }));
    return { cloud, edge, iot, users, dataDir, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

export function demoLogger(level: string): Logger {
  return pino({ level }, pino.destination(2));
}
