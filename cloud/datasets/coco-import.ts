import type { DrawnBox, ObjectLabel } from '../labels/label-schema.ts';

type Box = readonly number[];

/** An AI box and an imported box are the same object from this overlap (intersection over union) on. */
export const SAME_OBJECT_IOU = 0.5;

/** The sha256 a file name carries: ours (<sha256>.jpg) behind any folder or a tool's prefix. */
export function shaInFileName(fileName: string): string | undefined {
  const base = fileName.split(/[\\/]/).pop() ?? '';
  return /([0-9a-f]{64})/.exec(base.toLowerCase())?.[1];
}

/** A COCO pixel box [x, y, w, h] as a normalised [x1, y1, x2, y2], clipped to the image. */
export function normalisedBox(
  bbox: readonly [number, number, number, number],
  width: number,
  height: number,
): [number, number, number, number] {
  const [x, y, w, h] = bbox;
  const clip = (v: number) => Math.min(1, Math.max(0, v));
  return [clip(x / width), clip(y / height), clip((x + w) / width), clip((y + h) / height)];
}

function iou(a: Box, b: Box): number {
  const [ax1 = 0, ay1 = 0, ax2 = 0, ay2 = 0] = a;
  const [bx1 = 0, by1 = 0, bx2 = 0, by2 = 0] = b;
  const w = Math.min(ax2, bx2) - Math.max(ax1, bx1);
  const h = Math.min(ay2, by2) - Math.max(ay1, by1);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  return inter / ((ax2 - ax1) * (ay2 - ay1) + (bx2 - bx1) * (by2 - by1) - inter);
}

/**
 * What a labelled image says of the AI's boxes, the inverse of the export: each AI box is paired
 * with the imported box it overlaps most (IoU ≥ 0.5, best pairs first). Paired with the same label:
 * right; with another: wrong label; unpaired: not an object; an imported box left unpaired: drawn.
 */
export function labelsFromBoxes(
  aiObjects: readonly { label: string; box: Box }[],
  imported: readonly { label: string; box: [number, number, number, number] }[],
): { objects: ObjectLabel[]; drawn: DrawnBox[] } {
  const pairs = aiObjects
    .flatMap((ai, a) => imported.map((box, b) => ({ a, b, overlap: iou(ai.box, box.box) })))
    .filter((p) => p.overlap >= SAME_OBJECT_IOU)
    .sort((p, q) => q.overlap - p.overlap || p.a - q.a || p.b - q.b);
  const pairOfAi = new Map<number, number>();
  const pairedImports = new Set<number>();
  for (const { a, b } of pairs) {
    if (pairOfAi.has(a) || pairedImports.has(b)) continue;
    pairOfAi.set(a, b);
    pairedImports.add(b);
  }
  const objects = aiObjects.map((ai, index): ObjectLabel => {
    const b = pairOfAi.get(index);
    const match = b === undefined ? undefined : imported[b];
    if (!match) return { index, verdict: 'not_object' };
    return match.label === ai.label
      ? { index, verdict: 'right' }
      : { index, verdict: 'wrong_label', label: match.label };
  });
  const drawn = imported.filter((_, b) => !pairedImports.has(b)).map(({ label, box }) => ({ label, box }));
  return { objects, drawn };
}
