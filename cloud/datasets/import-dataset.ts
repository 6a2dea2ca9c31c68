import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { CloudError } from '../errors.ts';
import { LabelBoxSchema, LabelNameSchema } from '../labels/label-schema.ts';
import type { ImportOutcome, LabelService } from '../services/label-service.ts';
import { labelsFromBoxes, normalisedBox, shaInFileName } from './coco-import.ts';
import { type CocoAnnotation, type CocoFile, CocoFileSchema, cocoTool } from './coco-schema.ts';

export interface ImportOptions {
  file: string;
  /** Where the images are, to hash those whose names do not carry their sha256. */
  imagesDir?: string | undefined;
  /** Their category name → our label, for names that differ. */
  categoryMap: ReadonlyMap<string, string>;
  /** Take categories no detection or label has used yet as new labels (else their images are skipped). */
  newLabels: boolean;
  /** Replace labels a snapshot already has (else: reported as a conflict, left as they are). */
  overwrite: boolean;
  /** Who the audit trail names; "import" by default. */
  by: string;
  now: Date;
}

export interface ImportReport {
  tool: ReturnType<typeof cocoTool>;
  images: number;
  outcomes: Record<ImportOutcome, string[]>;
  /** Images matched to no snapshot of this cloud: their file name, and why. */
  unmatched: { fileName: string; reason: string }[];
  /** Category names that are no label here, and the images skipped for holding them. */
  unknownCategories: string[];
  skippedForUnknownCategories: string[];
  /** Annotations too small to be a box, or on no listed image or category. */
  skippedAnnotations: number;
}

async function readCoco(file: string): Promise<CocoFile> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new CloudError('DATASET_FILE_INVALID', `${file}: ${(error as Error).message}`, { file });
  }
  const parsed = CocoFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CloudError(
      'DATASET_FILE_INVALID',
      `${file}: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'not a COCO file'}`,
      { file },
    );
  }
  return parsed.data;
}

async function fileSha(imagesDir: string, fileName: string): Promise<string | undefined> {
  for (const candidate of [path.join(imagesDir, fileName), path.join(imagesDir, path.basename(fileName))]) {
    const bytes = await readFile(candidate).catch(() => undefined);
    if (bytes) return createHash('sha256').update(bytes).digest('hex');
  }
  return undefined;
}

/** Our label for each of the file's categories, and the names that are none (yet). */
function mapCategories(coco: CocoFile, options: ImportOptions, known: ReadonlySet<string>) {
  const labelOf = new Map<number, string>();
  const unknown = new Set<number>();
  const unknownNames: string[] = [];
  for (const category of coco.categories) {
    const mapped = options.categoryMap.get(category.name) ?? category.name;
    const name = LabelNameSchema.safeParse(mapped);
    if (name.success) labelOf.set(category.id, name.data);
    if (!name.success || (!known.has(name.data) && !options.newLabels)) {
      unknown.add(category.id);
      unknownNames.push(category.name);
    }
  }
  return { labelOf, unknown, unknownNames };
}

/**
 * Reads a COCO file exported by CVAT or Label Studio (or by `dataset export`) back as labels: its
 * images matched to our snapshots by the sha256 in their file name (or of the file in `imagesDir`),
 * its categories mapped to our labels by name, its boxes matched to the AI's (coco-import.ts).
 * Each snapshot's labels become a revision by the import, unless it has other labels already.
 */
export async function importDataset(labels: LabelService, options: ImportOptions): Promise<ImportReport> {
  const coco = await readCoco(options.file);
  const known = new Set(await labels.knownLabels());
  const { labelOf, unknown, unknownNames } = mapCategories(coco, options, known);
  const byImage = new Map<number, CocoAnnotation[]>();
  for (const a of coco.annotations) byImage.set(a.image_id, [...(byImage.get(a.image_id) ?? []), a]);
  const tool = cocoTool(coco);
  const imageIds = new Set(coco.images.map((i) => i.id));
  const report: ImportReport = {
    tool,
    images: coco.images.length,
    outcomes: { created: [], unchanged: [], conflict: [], overwritten: [] },
    unmatched: [],
    unknownCategories: unknownNames,
    skippedForUnknownCategories: [],
    skippedAnnotations: coco.annotations.filter((a) => !imageIds.has(a.image_id)).length,
  };
  const note = `${tool} COCO: ${path.basename(options.file)}`;
  for (const image of coco.images) {
    const sha256 =
      shaInFileName(image.file_name) ??
      (options.imagesDir ? await fileSha(options.imagesDir, image.file_name) : undefined);
    if (!sha256) {
      report.unmatched.push({
        fileName: image.file_name,
        reason: options.imagesDir
          ? 'no sha256 in its name and no such file in --images'
          : 'no sha256 in its name (give --images DIR)',
      });
      continue;
    }
    const found = await labels.snapshotEvent(sha256);
    if (!found) {
      report.unmatched.push({ fileName: image.file_name, reason: `no event has the snapshot ${sha256}` });
      continue;
    }
    const annotations = byImage.get(image.id) ?? [];
    if (annotations.some((a) => unknown.has(a.category_id) || !labelOf.has(a.category_id))) {
      report.skippedForUnknownCategories.push(image.file_name);
      continue;
    }
    const boxes = annotations.flatMap((a) => {
      const box = LabelBoxSchema.safeParse(normalisedBox(a.bbox, image.width, image.height));
      if (!box.success) report.skippedAnnotations++;
      return box.success ? [{ label: labelOf.get(a.category_id) as string, box: box.data }] : [];
    });
    const imported = labelsFromBoxes(found.event.objects, boxes);
    const outcome = await labels.saveImported(
      { ...found, sha256 },
      imported,
      { by: options.by, note, overwrite: options.overwrite },
      options.now,
    );
    report.outcomes[outcome].push(sha256);
  }
  return report;
}

/** `--map "Their name=our label"`, repeatable. */
export const CategoryMappingSchema = z
  .string()
  .regex(/^[^=]+=[^=]+$/, 'THEIR=OURS, e.g. "Pedestrian=person"')
  .transform((s) => s.split('=').map((part) => part.trim()) as [string, string]);
