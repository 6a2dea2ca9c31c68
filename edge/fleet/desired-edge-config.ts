import { FLEET_SECTION_KEYS } from '../../foundation/edge-config/fleet-config-schema.ts';
import type { DesiredConfig } from '../../foundation/edge-config/fleet-notice.ts';
import { ConfigError } from '../config/config-error.ts';
import type { EdgeConfig } from '../config/edge-config-schema.ts';
import { validateEdgeConfig } from '../config/load-edge-config.ts';

const managedKeys: readonly string[] = FLEET_SECTION_KEYS;

/**
 * The config this box would run with the cloud's desired configuration: the file's own sections
 * (edgeId, broker, API, data folder, delivery, evidence, drone, fleet) with the cloud's managed
 * sections (timezone, models, cameras) in place of the file's, validated with the edge config's
 * schema as a whole. Throws ConfigError CONFIG_INVALID, each problem named
 * `cloud configuration v<N>: <path>: <problem>`.
 */
export function desiredEdgeConfig(
  file: Readonly<EdgeConfig>,
  desired: Pick<DesiredConfig, 'version' | 'config'>,
  baseDir: string,
): Readonly<EdgeConfig> {
  const own: Record<string, unknown> = structuredClone({ ...file }) as Record<string, unknown>;
  for (const key of FLEET_SECTION_KEYS) delete own[key];
  const source = `cloud configuration v${desired.version}`;
  const foreign = Object.keys(desired.config).filter((key) => !managedKeys.includes(key));
  if (foreign.length > 0) {
    const problems = foreign.map((key) => ({
      file: source,
      path: key,
      message: `not a section the cloud manages (${FLEET_SECTION_KEYS.join(', ')}); it stays the box's own`,
    }));
    throw new ConfigError(
      'CONFIG_INVALID',
      problems.map((p) => `${p.file}: ${p.path}: ${p.message}`).join('\n'),
      problems,
    );
  }
  return validateEdgeConfig({ ...own, ...desired.config }, source, baseDir);
}
