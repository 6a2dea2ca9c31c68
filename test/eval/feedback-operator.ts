import { createHash } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { iou } from '../../edge/detect/nms.ts';
import type { Detection } from '../../edge/detect/types.ts';
import type { Box, RawImage } from '../../foundation/media/frame.ts';
import type { TruthObject } from './average-precision.ts';

/**
 * The team's ground truth acting as the command centre's operator: it judges the detections of a
 * labelled frame as a reviewer judges an event's boxes (right, not an object) and draws the
 * objects the detector missed; and it writes what it judged as the cloud's dataset export does.
 */

export interface Verdicts {
  right: Detection[];
  rejected: Detection[];
  drawn: Box[];
}

/** A box overlapping an object this much is on it (a duplicate or loose box, not a false object). */
const ON_OBJECT_IOU = 0.2;

const rect = ([x1, y1, x2, y2]: Box) => ({ x1, y1, x2, y2 });
const overlap = (a: Box, b: Box) => iou(rect(a), rect(b));

/**
 * Verdicts on the detections of `label` scoring at least `minScore` (what an operator sees in an
 * event): the best-scoring detection on a labelled object is right; another box on an object (a
 * duplicate, a loose box, one on an object labelled `ignore`) gets no verdict, since an operator
 * would not call it "not an object"; a box on no object is not an object. Objects left unmatched
 * are drawn.
 */
export function judgeFrame(
  detections: readonly Detection[],
  truths: readonly TruthObject[],
  label: string,
  minScore: number,
  matchIou = 0.5,
): Verdicts {
  const objects = truths.filter((t) => t.label === label);
  const matched = new Set<TruthObject>();
  const verdicts: Verdicts = { right: [], rejected: [], drawn: [] };
  const seen = detections
    .filter((d) => d.label === label && d.score >= minScore)
    .sort((a, b) => b.score - a.score);
  for (const d of seen) {
    let best: TruthObject | undefined;
    let bestIou = matchIou;
    for (const t of objects) {
      if (t.ignore || matched.has(t)) continue;
      const o = overlap(d.box, t.box);
      if (o >= bestIou) {
        best = t;
        bestIou = o;
      }
    }
    if (best) {
      matched.add(best);
      verdicts.right.push(d);
    } else if (!truths.some((t) => overlap(d.box, t.box) >= ON_OBJECT_IOU)) {
      verdicts.rejected.push(d);
    }
  }
  for (const t of objects) if (!t.ignore && !matched.has(t)) verdicts.drawn.push(t.box);
  return verdicts;
}

/** Whether `box` lies on one of `places` (IoU at least `minIou`). */
export function onAny(box: Box, places: readonly Box[], minIou: number): boolean {
  return places.some((p) => overlap(box, p) >= minIou);
}

export interface DatasetFrame {
  index: number;
  frame: RawImage;
  split: 'train' | 'val';
  /** Boxes judged right or drawn by the operator. */
  accepted: Box[];
  /** AI boxes the operator said are not an object. */
  rejected: Box[];
  /** Labels from a weaker source than the operator, marked `weak: true`. */
  weakAccepted: Box[];
  weakRejected: Box[];
}

const cocoBox = ([x1, y1, x2, y2]: Box) => [x1, y1, x2 - x1, y2 - y1].map((v) => Math.round(v * 100) / 100);

/**
 * Writes the frames as `npm run cloud -- dataset export` would: images/<sha256>.jpg and
 * annotations/instances_{train,val}.json, accepted boxes as annotations of `label`, rejected ones in
 * `rejected`. The folder is emptied first.
 */
export async function writeDataset(
  dir: string,
  frames: readonly DatasetFrame[],
  label: string,
): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(path.join(dir, 'images'), { recursive: true });
  await mkdir(path.join(dir, 'annotations'), { recursive: true });
  const parts = {
    train: { images: [] as object[], annotations: [] as object[], rejected: [] as object[] },
    val: { images: [] as object[], annotations: [] as object[], rejected: [] as object[] },
  };
  let id = 0;
  for (const f of frames) {
    const jpeg = await sharp(Buffer.from(f.frame.data), {
      raw: { width: f.frame.width, height: f.frame.height, channels: 3 },
    })
      .jpeg({ quality: 95 })
      .toBuffer();
    const sha256 = createHash('sha256').update(jpeg).digest('hex');
    await writeFile(path.join(dir, 'images', `${sha256}.jpg`), jpeg);
    const part = parts[f.split];
    const imageId = f.index + 1;
    part.images.push({
      id: imageId,
      file_name: `${sha256}.jpg`,
      width: f.frame.width,
      height: f.frame.height,
      frame_index: f.index,
    });
    const annotate = (box: Box, attributes: object) =>
      part.annotations.push({
        id: ++id,
        image_id: imageId,
        category_id: 1,
        bbox: cocoBox(box),
        iscrowd: 0,
        attributes,
      });
    const reject = (box: Box, weak: boolean) =>
      part.rejected.push({
        id: ++id,
        image_id: imageId,
        label,
        bbox: cocoBox(box),
        ...(weak ? { weak: true } : {}),
      });
    for (const box of f.accepted) annotate(box, { verdict: 'right' });
    for (const box of f.weakAccepted) annotate(box, { verdict: 'right', weak: true });
    for (const box of f.rejected) reject(box, false);
    for (const box of f.weakRejected) reject(box, true);
  }
  for (const split of ['train', 'val'] as const) {
    const coco = { info: { split }, categories: [{ id: 1, name: label }], ...parts[split] };
    await writeFile(path.join(dir, 'annotations', `instances_${split}.json`), `${JSON.stringify(coco)}\n`);
  }
}
