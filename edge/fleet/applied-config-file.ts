import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { DesiredConfigSchema } from '../../foundation/edge-config/fleet-notice.ts';

/** The cloud configuration this box applied last, kept so that a restart without the cloud runs it. */
export const AppliedCloudConfigSchema = DesiredConfigSchema.extend({
  appliedAt: z.iso.datetime({ offset: true }),
});
export type AppliedCloudConfig = z.infer<typeof AppliedCloudConfigSchema>;

/** `<dataDir>/fleet/applied.json`. */
export function appliedConfigPath(dataDir: string): string {
  return path.join(dataDir, 'fleet', 'applied.json');
}

/** The stored configuration; undefined when there is none. A damaged file is reported and ignored. */
export async function readAppliedConfig(
  file: string,
  onWarning: (message: string) => void,
): Promise<AppliedCloudConfig | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    onWarning(`${file}: ${(error as Error).message}; the config file runs instead`);
    return undefined;
  }
  try {
    return AppliedCloudConfigSchema.parse(JSON.parse(text));
  } catch (error) {
    onWarning(
      `${file}: not a stored configuration (${(error as Error).message}); the config file runs instead`,
    );
    return undefined;
  }
}

/** Replaces the stored configuration whole (written beside it, then renamed over it). */
export async function writeAppliedConfig(file: string, applied: AppliedCloudConfig): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temporary = `${file}.tmp`;
  await writeFile(temporary, JSON.stringify(applied, null, 2));
  await rename(temporary, file);
}
