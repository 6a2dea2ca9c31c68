import type { Box } from '../../foundation/media/frame.ts';

/** A text region found on a DB probability map, in the map's pixels. */
export interface TextBox {
  box: Box;
  /** Mean text probability over the region's pixels. */
  score: number;
}

export interface TextBoxOptions {
  /** A map pixel from this probability is text. */
  pixelThreshold: number;
  /** A region is kept from this mean probability. */
  boxThreshold: number;
  /** Growth back to the whole text: area * unclip / perimeter on every side (DB's unclip ratio). */
  unclip: number;
  /** Regions with fewer pixels are noise. */
  minPixels: number;
}

/**
 * Text boxes from a DB probability map: the map thresholded, its 8-connected regions as axis-aligned
 * boxes, each grown by DB's unclip distance. Axis-aligned on purpose: plates seen by a street camera
 * lean a few degrees at most, and the recogniser reads such a line in a slightly taller box.
 */
export function textBoxesFromMap(
  map: Float32Array,
  width: number,
  height: number,
  options: TextBoxOptions,
): TextBox[] {
  const label = new Int32Array(width * height);
  const stack = new Int32Array(width * height);
  const boxes: TextBox[] = [];
  let next = 0;
  for (let start = 0; start < map.length; start++) {
    if (label[start] !== 0 || (map[start] as number) < options.pixelThreshold) continue;
    next++;
    label[start] = next;
    let top = 0;
    stack[top++] = start;
    let x1 = width;
    let y1 = height;
    let x2 = 0;
    let y2 = 0;
    let pixels = 0;
    let sum = 0;
    while (top > 0) {
      const p = stack[--top] as number;
      const x = p % width;
      const y = (p - x) / width;
      pixels++;
      sum += map[p] as number;
      if (x < x1) x1 = x;
      if (x > x2) x2 = x;
      if (y < y1) y1 = y;
      if (y > y2) y2 = y;
      for (let dy = -1; dy <= 1; dy++) {
        const ny = y + dy;
        if (ny < 0 || ny >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          if (nx < 0 || nx >= width) continue;
          const q = ny * width + nx;
          if (label[q] === 0 && (map[q] as number) >= options.pixelThreshold) {
            label[q] = next;
            stack[top++] = q;
          }
        }
      }
    }
    const score = sum / pixels;
    if (pixels < options.minPixels || score < options.boxThreshold) continue;
    boxes.push({ box: unclipBox([x1, y1, x2 + 1, y2 + 1], options.unclip, width, height), score });
  }
  return boxes;
}

function unclipBox(box: Box, ratio: number, width: number, height: number): Box {
  const w = box[2] - box[0];
  const h = box[3] - box[1];
  const d = (w * h * ratio) / (2 * (w + h));
  return [
    Math.max(0, box[0] - d),
    Math.max(0, box[1] - d),
    Math.min(width, box[2] + d),
    Math.min(height, box[3] + d),
  ];
}

/**
 * Boxes on one text line joined: a plate's province and letter often come apart from its serial
 * at the separator dot. Two boxes join when they overlap vertically by most of the lower one and
 * the gap between them is under `maxGap` times its height.
 */
export function joinLineBoxes(boxes: readonly TextBox[], maxGap = 1): TextBox[] {
  const sorted = [...boxes].sort((a, b) => a.box[0] - b.box[0]);
  const out: TextBox[] = [];
  for (const current of sorted) {
    const k = out.findIndex((line) => sameLine(line.box, current.box, maxGap));
    const line = out[k];
    if (!line) {
      out.push(current);
      continue;
    }
    const a = line.box;
    const b = current.box;
    const areaA = (a[2] - a[0]) * (a[3] - a[1]);
    const areaB = (b[2] - b[0]) * (b[3] - b[1]);
    out[k] = {
      box: [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[2], b[2]), Math.max(a[3], b[3])],
      score: (line.score * areaA + current.score * areaB) / (areaA + areaB),
    };
  }
  return out;
}

function sameLine(a: Box, b: Box, maxGap: number): boolean {
  const overlap = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  const lower = Math.min(a[3] - a[1], b[3] - b[1]);
  const gap = b[0] - a[2];
  return overlap >= 0.6 * lower && gap <= maxGap * lower;
}
