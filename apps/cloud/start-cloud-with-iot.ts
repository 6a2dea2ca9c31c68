import { type RunningCloud, type StartCloudOptions, startCloud } from '../../cloud/app/start-cloud.ts';
import type { CloudConfig } from '../../cloud/config/cloud-config-schema.ts';
import { startCloudTelemetry } from './cloud-telemetry.ts';

/** The whole cloud, running the IoT rules over device telemetry when config `iot` is set. */
export function startCloudWithIot(
  config: Readonly<CloudConfig>,
  options: Omit<StartCloudOptions, 'telemetry'> = {},
): Promise<RunningCloud> {
  if (!config.iot) return startCloud(config, options);
  return startCloud(config, {
    ...options,
    telemetry: (context) => startCloudTelemetry({ config, ...context }),
  });
}
