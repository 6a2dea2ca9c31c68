import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { buffer } from 'node:stream/consumers';
import sharp from 'sharp';
import { CloudError } from '../errors.ts';
import type { EvidenceStore } from '../evidence/evidence-store-types.ts';
import type { LabelledFilter } from '../repositories/label-repository.ts';
import type { LabelService } from '../services/label-service.ts';
import { buildCoco, type ExportedSnapshot, imageFileName, type Split } from './coco-export.ts';

export interface ExportOptions extends LabelledFilter {
  out: string;
  /** Share of incidents in the validation part (default 0.2). */
  valFraction: number;
  now: Date;
}

export interface ExportSummary {
  out: string;
  images: Record<Split, number>;
  annotations: Record<Split, number>;
  rejected: Record<Split, number>;
  incidents: Record<Split, number>;
  categories: string[];
  unjudgedBoxes: number;
  /** Labelled snapshots whose file the evidence store does not hold (yet): left out. */
  missingSnapshots: string[];
}

/** The COCO file of each part, as CVAT and most trainers name them. */
export const annotationFile = (split: Split) => path.join('annotations', `instances_${split}.json`);

async function refuseNonEmpty(out: string): Promise<void> {
  const entries = await readdir(out).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  if (entries.length > 0) {
    throw new CloudError(
      'DATASET_OUT_NOT_EMPTY',
      `${out}: holds ${entries.length} entries; export into a new or empty folder`,
      { out },
    );
  }
}

/**
 * Writes the labelled snapshots passing the filter as a COCO dataset: images/<sha256>.jpg (the
 * clean snapshots, as stored), annotations/instances_{train,val}.json split by incident, and
 * dataset.json (the filter, the split rule and the counts).
 */
export async function exportDataset(
  labels: LabelService,
  evidence: EvidenceStore,
  options: ExportOptions,
): Promise<ExportSummary> {
  await refuseNonEmpty(options.out);
  const imagesDir = path.join(options.out, 'images');
  await mkdir(imagesDir, { recursive: true });
  await mkdir(path.join(options.out, 'annotations'), { recursive: true });

  const labelled = await labels.labelled(options);
  const snapshots: ExportedSnapshot[] = [];
  const missingSnapshots: string[] = [];
  for (const snapshot of labelled) {
    const sha256 = snapshot.event.evidence.snapshot?.sha256 ?? '';
    const file = await evidence.read(sha256);
    if (!file) {
      missingSnapshots.push(sha256);
      continue;
    }
    const bytes = await buffer(file.stream);
    const { width, height } = await sharp(bytes).metadata();
    await writeFile(path.join(imagesDir, imageFileName(sha256)), bytes);
    snapshots.push({ ...snapshot, width, height });
  }

  const dataset = buildCoco(snapshots, options.valFraction);
  const info = (split: Split) => ({
    description: `city-stream-analytics labels, ${split} part (split by incident)`,
    version: '1',
    contributor: 'city-stream-analytics',
    date_created: options.now.toISOString(),
    split,
  });
  for (const split of ['train', 'val'] as const) {
    const part = dataset.parts[split];
    const coco = { info: info(split), licenses: [], categories: dataset.categories, ...part };
    await writeFile(path.join(options.out, annotationFile(split)), `${JSON.stringify(coco, null, 1)}\n`);
  }
  const count = (f: (split: Split) => number) => ({ train: f('train'), val: f('val') });
  const summary: ExportSummary = {
    out: options.out,
    images: count((s) => dataset.parts[s].images.length),
    annotations: count((s) => dataset.parts[s].annotations.length),
    rejected: count((s) => dataset.parts[s].rejected.length),
    incidents: dataset.incidents,
    categories: dataset.categories.map((c) => c.name),
    unjudgedBoxes: dataset.unjudged,
    missingSnapshots,
  };
  const manifest = {
    createdAt: options.now.toISOString(),
    filter: {
      cameraId: options.cameraId ?? null,
      since: options.since?.toISOString() ?? null,
      scenario: options.scenario ?? null,
    },
    split: {
      by: 'incident',
      rule: 'sha256("incident:" + id) / 2^32 < valFraction → val',
      valFraction: options.valFraction,
    },
    ...summary,
    out: undefined,
  };
  await writeFile(path.join(options.out, 'dataset.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return summary;
}
