import path from 'node:path';
import { loadConfigFile, parseConfigText } from '../../foundation/config/load-config.ts';
import { type ConfigSpec, validateConfig } from '../../foundation/config/validate-config.ts';
import { resolveFlightPaths } from '../drone/flight-config.ts';
import { isStreamUrl } from '../schema/source-schema.ts';
import { EDGE_CONFIG_ERRORS } from './config-error.ts';
import { type EdgeConfig, EdgeConfigSchema } from './edge-config-schema.ts';

/** The edge config: its schema, its errors (ConfigError, CONFIG_*) and its relative paths. */
const EDGE_CONFIG: ConfigSpec<typeof EdgeConfigSchema> = {
  schema: EdgeConfigSchema,
  errors: EDGE_CONFIG_ERRORS,
  resolvePaths,
};

export interface ParseEdgeConfigOptions {
  /**
   * Folder that relative file paths in the config (camera file sources, mqtt.caFile, model
   * manifest .json paths) are resolved against. Absent: they are left as written.
   */
  baseDir?: string;
}

/**
 * Reads, validates and freezes the edge config file. Relative file paths in it are taken from the
 * file's folder (and come back absolute), so the edge can be started from anywhere.
 * Throws ConfigError: CONFIG_NOT_FOUND when the file cannot be read, CONFIG_INVALID (listing every
 * problem, one per line) when it is not valid YAML or not a valid config.
 */
export function loadEdgeConfig(file: string): Promise<Readonly<EdgeConfig>> {
  return loadConfigFile(file, EDGE_CONFIG);
}

/**
 * Validates config text. `sourceName` is what problems are reported against (the file name).
 * Returns the config with every default applied, deep-frozen.
 */
export function parseEdgeConfig(
  text: string,
  sourceName: string,
  options: ParseEdgeConfigOptions = {},
): Readonly<EdgeConfig> {
  return parseConfigText(text, sourceName, EDGE_CONFIG, options.baseDir);
}

/**
 * Validates a config that is already data (the file's config with the cloud's sections in place
 * of its own, edge/fleet/), exactly as a file is: every default applied, relative paths taken from
 * `baseDir`, deep-frozen. Throws ConfigError CONFIG_INVALID naming each problem against `source`.
 */
export function validateEdgeConfig(input: unknown, source: string, baseDir: string): Readonly<EdgeConfig> {
  return validateConfig(input, source, EDGE_CONFIG, { baseDir });
}

/** Makes relative file paths absolute against baseDir. Runs on the fresh parse, before freezing. */
function resolvePaths(config: EdgeConfig, baseDir: string): EdgeConfig {
  for (const camera of config.cameras) {
    if (!isStreamUrl(camera.source.url)) camera.source.url = path.resolve(baseDir, camera.source.url);
    const { recordUrl } = camera.source;
    if (recordUrl !== undefined && !isStreamUrl(recordUrl))
      camera.source.recordUrl = path.resolve(baseDir, recordUrl);
  }
  if (config.mqtt.caFile !== undefined) config.mqtt.caFile = path.resolve(baseDir, config.mqtt.caFile);
  config.dataDir = path.resolve(baseDir, config.dataDir);
  for (const model of Object.values(config.models)) {
    if (model.manifest.endsWith('.json')) model.manifest = path.resolve(baseDir, model.manifest);
  }
  const { drone } = config;
  if (drone !== undefined) {
    config.drone = {
      ...resolveFlightPaths(drone, baseDir),
      inbox: path.resolve(baseDir, drone.inbox),
      ...(drone.uploadDir !== undefined ? { uploadDir: path.resolve(baseDir, drone.uploadDir) } : {}),
    };
  }
  return config;
}
