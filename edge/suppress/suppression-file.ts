import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import {
  EdgeSuppressionRegionsSchema,
  SuppressionRegionSchema,
} from '../../foundation/suppression/suppression-region.ts';
import { EdgeError } from '../errors.ts';

/**
 * What an edge learned from its command centre, kept under its data folder so that it keeps
 * applying it without the cloud: the regions the cloud last served, and when each last matched
 * here (reported to the cloud on the next poll).
 */
export const SuppressionFileSchema = z.object({
  version: z.literal(1),
  /** When the cloud last answered; null for a file written by hand or by the feedback eval. */
  fetchedAt: z.iso.datetime().nullable(),
  expireAfterDays: EdgeSuppressionRegionsSchema.shape.expireAfterDays,
  regions: z.array(SuppressionRegionSchema),
  /** Region id → when it last dropped a detection on this box. */
  matches: z.record(z.string(), z.iso.datetime()).default(() => ({})),
});
export type SuppressionFile = z.infer<typeof SuppressionFileSchema>;

/** Where an edge with data folder `dataDir` keeps its suppression regions. */
export function suppressionFilePath(dataDir: string): string {
  return path.join(dataDir, 'learned', 'suppression.json');
}

/** The stored regions; undefined when there is no file yet. SUPPRESSION_FILE_INVALID names what is wrong. */
export async function readSuppressionFile(file: string): Promise<SuppressionFile | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new EdgeError('SUPPRESSION_FILE_INVALID', `${file}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new EdgeError('SUPPRESSION_FILE_INVALID', `${file}: not JSON: ${(error as Error).message}`);
  }
  const parsed = SuppressionFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : '(top level)';
    throw new EdgeError('SUPPRESSION_FILE_INVALID', `${file}: ${where}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

/** Writes the file whole or not at all (a new file renamed over the old one). */
export async function writeSuppressionFile(file: string, content: SuppressionFile): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(SuppressionFileSchema.parse(content), null, 2)}\n`);
  await rename(temporary, file);
}
