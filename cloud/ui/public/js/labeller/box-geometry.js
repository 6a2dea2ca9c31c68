/** Boxes are normalised [x1, y1, x2, y2] (0..1), as in the event contract. */

const clamp = (v) => Math.min(1, Math.max(0, v));

/** The smallest box kept: a click without a drag is none (the API refuses less than 0.2 %). */
export const MIN_SIDE = 0.01;

/** A keyboard-drawn box starts in the middle of the image, a fifth of it each way. */
export const startBox = () => [0.4, 0.4, 0.6, 0.6];

/** The box spanned by two points, in any order, inside the image. */
export function spanned(a, b) {
  return [
    clamp(Math.min(a[0], b[0])),
    clamp(Math.min(a[1], b[1])),
    clamp(Math.max(a[0], b[0])),
    clamp(Math.max(a[1], b[1])),
  ];
}

export const bigEnough = (box) => box[2] - box[0] >= MIN_SIDE && box[3] - box[1] >= MIN_SIDE;

/** A point of the element under a pointer, normalised to it. */
export function pointIn(element, event) {
  const r = element.getBoundingClientRect();
  return [clamp((event.clientX - r.left) / r.width), clamp((event.clientY - r.top) / r.height)];
}

const STEPS = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };

/**
 * The box after one arrow key: moved by `step` (kept inside the image), or with Shift resized
 * from its bottom-right corner (never below MIN_SIDE). Undefined for any other key.
 */
export function nudged(box, key, resize, step) {
  const d = STEPS[key];
  if (!d) return undefined;
  const [x1, y1, x2, y2] = box;
  if (resize) {
    return [
      x1,
      y1,
      clamp(Math.max(x1 + MIN_SIDE, x2 + d[0] * step)),
      clamp(Math.max(y1 + MIN_SIDE, y2 + d[1] * step)),
    ];
  }
  const dx = Math.min(1 - x2, Math.max(-x1, d[0] * step));
  const dy = Math.min(1 - y2, Math.max(-y1, d[1] * step));
  return [x1 + dx, y1 + dy, x2 + dx, y2 + dy];
}

/** Percent offsets of a box for absolutely placed elements over the image. */
export function percentStyle(box) {
  const [x1, y1, x2, y2] = box.map((v) => v * 100);
  return `left:${x1}%;top:${y1}%;width:${x2 - x1}%;height:${y2 - y1}%`;
}
