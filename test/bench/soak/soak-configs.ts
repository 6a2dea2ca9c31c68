import fs from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';

export const ROOT = path.resolve(import.meta.dirname, '../../..');
const FIXTURE_CLOUD = path.join(ROOT, 'fixtures/cloud');
export const IOT_RULES = path.join(FIXTURE_CLOUD, 'iot-rules.yaml');
const SHIPPED_BROKER_CONFIG = path.join(ROOT, 'deploy/mosquitto/mosquitto.conf');

/** The fixture district's cloud config, on the soak's database and broker, API on a free port. */
export function writeCloudConfig(work: string, databaseUrl: string, mqttUrl: string): string {
  const config = parse(fs.readFileSync(path.join(FIXTURE_CLOUD, 'cloud.yaml'), 'utf8'));
  config.database = { url: databaseUrl };
  config.mqtt = { url: mqttUrl, clientId: 'soak-cloud' };
  config.api = { host: '127.0.0.1', port: 0 };
  config.places = {
    grids: path.resolve(FIXTURE_CLOUD, config.places.grids),
    cameras: path.resolve(FIXTURE_CLOUD, config.places.cameras),
  };
  config.evidence = { dir: path.join(work, 'cloud-evidence') };
  const file = path.join(work, 'cloud.yaml');
  fs.writeFileSync(file, stringify(config));
  return file;
}

/**
 * The demo's Lingnan hub (fixtures/demo/edge.yaml) with its market camera only, replaying
 * vtest.mp4 as a live camera: its parked van opens a parking incident that stays open, people on
 * the road open loitering incidents. Snapshots on; clips and the live view off (CPU, ports).
 */
export function writeEdgeConfig(work: string, mqttUrl: string): string {
  const file = path.join(ROOT, 'fixtures/demo/edge.yaml');
  const config = parse(fs.readFileSync(file, 'utf8'));
  const camera = config.cameras.find((c: { id: string }) => c.id === 'ln-market');
  camera.source.url = path.resolve(path.dirname(file), camera.source.url);
  config.cameras = [camera];
  config.models = { detector: config.models.detector };
  config.mqtt = { url: mqttUrl };
  config.dataDir = path.join(work, 'edge-data');
  config.evidence = { clips: { enabled: false } };
  config.live = { enabled: false };
  const out = path.join(work, 'edge.yaml');
  fs.writeFileSync(out, stringify(config));
  return out;
}

/**
 * The queue limits of the shipped broker config (deploy/mosquitto/mosquitto.conf) when there is
 * one, so that the soak holds the broker to the limits the README promises; else Mosquitto's own
 * defaults apply (1,000 queued messages per session).
 */
export function brokerQueueLines(): string[] {
  if (!fs.existsSync(SHIPPED_BROKER_CONFIG)) return [];
  return fs
    .readFileSync(SHIPPED_BROKER_CONFIG, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => /^(max_queued_messages|max_queued_bytes)\s/.test(line));
}
