import path from 'node:path';
import { type CloudConfig, CloudConfigSchema } from './cloud-config-schema.ts';
import { readValidatedFile } from './read-validated-file.ts';

/** Reads, validates and freezes the cloud config; relative paths in it become absolute against its folder. */
export async function loadCloudConfig(file: string): Promise<Readonly<CloudConfig>> {
  const config = await readValidatedFile(file, CloudConfigSchema, 'CONFIG_INVALID');
  return resolveCloudConfig(config, path.dirname(path.resolve(file)));
}

/** Makes the config's relative paths absolute against `baseDir`, and freezes it. */
export function resolveCloudConfig(config: CloudConfig, baseDir: string): Readonly<CloudConfig> {
  const at = (p: string) => path.resolve(baseDir, p);
  return deepFreeze({
    ...config,
    database: {
      ...config.database,
      ...(config.database.dataDir !== undefined ? { dataDir: at(config.database.dataDir) } : {}),
    },
    places: { grids: at(config.places.grids), cameras: at(config.places.cameras) },
    evidence: { ...config.evidence, dir: at(config.evidence.dir) },
    ...(config.iot ? { iot: { ...config.iot, rules: at(config.iot.rules) } } : {}),
  });
}

function deepFreeze<T>(value: T): Readonly<T> {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}
