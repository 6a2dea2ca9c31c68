import path from 'node:path';
import { deepFreeze } from '../../foundation/util/deep-freeze.ts';
import { type CloudConfig, CloudConfigSchema } from './cloud-config-schema.ts';
import { readValidatedFile } from './read-validated-file.ts';

/** Reads, validates and freezes the cloud config; relative paths in it become absolute against its folder. */
export function loadCloudConfig(file: string): Promise<Readonly<CloudConfig>> {
  return readValidatedFile(file, CloudConfigSchema, 'CONFIG_INVALID', resolveCloudConfig);
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
    permits: {
      ...config.permits,
      ...(config.permits.file !== undefined ? { file: at(config.permits.file) } : {}),
    },
    ...(config.iot
      ? {
          iot: {
            ...config.iot,
            rules: at(config.iot.rules),
            ...(config.iot.journalDir ? { journalDir: at(config.iot.journalDir) } : {}),
          },
        }
      : {}),
  });
}
