import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { Box } from '../../foundation/media/frame.ts';

/**
 * Reads a COCO dataset as `npm run cloud -- dataset export` writes it (images/<sha256>.jpg,
 * annotations/instances_{train,val}.json with a per-box `attributes.verdict` and a top-level
 * `rejected` list of AI boxes reviewers said are no object) into crop samples for a trainer. Only
 * the fields read here are checked; others are allowed (CVAT and Label Studio exports pass).
 */

export type Split = 'train' | 'val';

export interface CropSample {
  /** Absolute path of the image. */
  image: string;
  /** Pixels [x1, y1, x2, y2]. */
  box: Box;
  /** Index of the sample's class in the trainer's class list. */
  cls: number;
  split: Split;
  /** The box was labelled from a weaker source than a reviewer (attribute `weak: true`). */
  weak: boolean;
}

const CocoBoxSchema = z.tuple([z.number(), z.number(), z.number().nonnegative(), z.number().nonnegative()]);

const CocoPartSchema = z.looseObject({
  images: z.array(z.looseObject({ id: z.number().int(), file_name: z.string().min(1) })),
  categories: z.array(z.looseObject({ id: z.number().int(), name: z.string().min(1) })),
  annotations: z.array(
    z.looseObject({
      image_id: z.number().int(),
      category_id: z.number().int().nullable(),
      bbox: CocoBoxSchema,
      attributes: z.record(z.string(), z.unknown()).optional(),
    }),
  ),
  rejected: z
    .array(
      z.looseObject({
        image_id: z.number().int(),
        label: z.string().min(1),
        bbox: CocoBoxSchema,
        weak: z.boolean().optional(),
      }),
    )
    .default(() => []),
});
type CocoPart = z.infer<typeof CocoPartSchema>;

/** One annotation or rejected box, resolved to its image file and label. */
export interface DatasetBox {
  image: string;
  box: Box;
  split: Split;
  /** The label it carries: the category of an annotation, the AI's label of a rejected box. */
  label: string;
  kind: 'annotation' | 'rejected';
  attributes: Record<string, unknown>;
}

export interface CocoDatasetBoxes {
  boxes: DatasetBox[];
  /** sha256 over each annotation file's bytes, then each image file's bytes, in name order. */
  sha256: string;
  /** Every label the dataset names (categories and rejected boxes). */
  labels: string[];
}

export class DatasetError extends Error {
  override readonly name = 'DatasetError';
}

const toBox = ([x, y, w, h]: readonly number[]): Box => [
  x as number,
  y as number,
  (x as number) + (w as number),
  (y as number) + (h as number),
];

async function readPart(file: string): Promise<CocoPart> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new DatasetError(`${file}: ${(error as Error).message}`);
  }
  const parsed = CocoPartSchema.safeParse(raw);
  if (!parsed.success) throw new DatasetError(`${file}: not a COCO file:\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/** Every box of a dataset folder; `instances_val.json` is the validation part, any other file training. */
export async function readCocoDataset(dir: string): Promise<CocoDatasetBoxes> {
  const annotationsDir = path.join(dir, 'annotations');
  const names = await readdir(annotationsDir).catch(() => {
    throw new DatasetError(`${dir}: no annotations/ folder (is this a dataset export?)`);
  });
  const files = names.filter((n) => /^instances_.*\.json$/.test(n)).sort();
  if (files.length === 0) throw new DatasetError(`${annotationsDir}: no instances_*.json file`);
  const hash = createHash('sha256');
  const boxes: DatasetBox[] = [];
  const labels = new Set<string>();
  const images = new Set<string>();
  for (const name of files) {
    const file = path.join(annotationsDir, name);
    hash.update(await readFile(file));
    const part = await readPart(file);
    const split: Split = name === 'instances_val.json' ? 'val' : 'train';
    const imageById = new Map(part.images.map((i) => [i.id, path.resolve(dir, 'images', i.file_name)]));
    const category = new Map(part.categories.map((c) => [c.id, c.name]));
    for (const c of part.categories) labels.add(c.name);
    const imageOf = (id: number) => {
      const image = imageById.get(id);
      if (!image) throw new DatasetError(`${file}: a box names image ${id}, which the file does not list`);
      images.add(image);
      return image;
    };
    for (const a of part.annotations) {
      const label = a.category_id === null ? undefined : category.get(a.category_id);
      if (!label)
        throw new DatasetError(`${file}: an annotation names category ${a.category_id}, not listed`);
      boxes.push({
        image: imageOf(a.image_id),
        box: toBox(a.bbox),
        split,
        label,
        kind: 'annotation',
        attributes: a.attributes ?? {},
      });
    }
    for (const r of part.rejected) {
      labels.add(r.label);
      boxes.push({
        image: imageOf(r.image_id),
        box: toBox(r.bbox),
        split,
        label: r.label,
        kind: 'rejected',
        attributes: r.weak ? { weak: true } : {},
      });
    }
  }
  for (const image of [...images].sort()) {
    try {
      hash.update(await readFile(image));
    } catch {
      throw new DatasetError(`${image}: the dataset names this image but it cannot be read`);
    }
  }
  return { boxes, sha256: hash.digest('hex'), labels: [...labels].sort() };
}

/**
 * Verifier classes: 0 reject, 1 accept. Accept: annotations of `label` (right, corrected to it,
 * drawn). Reject: rejected AI boxes of `label`, and annotations of another label whose AI box
 * said `label` (the reviewer corrected it away).
 */
export function verifierSamples(dataset: CocoDatasetBoxes, label: string): CropSample[] {
  const samples: CropSample[] = [];
  for (const b of dataset.boxes) {
    const aiLabel = b.attributes.ai_label;
    let cls: number | undefined;
    if (b.kind === 'rejected') cls = b.label === label ? 0 : undefined;
    else if (b.label === label) cls = 1;
    else if (aiLabel === label) cls = 0;
    if (cls === undefined) continue;
    samples.push({ image: b.image, box: b.box, cls, split: b.split, weak: b.attributes.weak === true });
  }
  return samples;
}

/**
 * Classifier samples from an attribute of the annotations of `label` (e.g. `cover: uncovered` on a
 * truck, as CVAT exports custom attributes): class k is the k-th of `classes`; other values are
 * left out.
 */
export function attributeSamples(
  dataset: CocoDatasetBoxes,
  label: string,
  attribute: string,
  classes: readonly string[],
): CropSample[] {
  const samples: CropSample[] = [];
  for (const b of dataset.boxes) {
    if (b.kind !== 'annotation' || b.label !== label) continue;
    const cls = classes.indexOf(String(b.attributes[attribute]));
    if (cls < 0) continue;
    samples.push({ image: b.image, box: b.box, cls, split: b.split, weak: b.attributes.weak === true });
  }
  return samples;
}
