/** Binary morphology on 0/1 masks with a square window, separable, O(pixels) whatever the radius. */

function pass(
  src: Uint8Array,
  dst: Uint8Array,
  width: number,
  height: number,
  radius: number,
  horizontal: boolean,
  keepIfAny: boolean,
): void {
  const lines = horizontal ? height : width;
  const length = horizontal ? width : height;
  const step = horizontal ? 1 : width;
  for (let line = 0; line < lines; line++) {
    const base = horizontal ? line * width : line;
    let count = 0;
    // Window [k - radius, k + radius]; outside the image counts as set for erosion, unset for dilation.
    for (let k = -radius; k <= radius; k++) {
      if (k < 0 || k >= length) count += keepIfAny ? 0 : 1;
      else count += src[base + k * step] ?? 0;
    }
    for (let k = 0; k < length; k++) {
      dst[base + k * step] = keepIfAny ? (count > 0 ? 1 : 0) : count === 2 * radius + 1 ? 1 : 0;
      const leaving = k - radius;
      const entering = k + radius + 1;
      count -= leaving < 0 ? (keepIfAny ? 0 : 1) : (src[base + leaving * step] ?? 0);
      count += entering >= length ? (keepIfAny ? 0 : 1) : (src[base + entering * step] ?? 0);
    }
  }
}

function filter(
  mask: Uint8Array,
  width: number,
  height: number,
  radius: number,
  dilation: boolean,
): Uint8Array {
  if (radius <= 0) return new Uint8Array(mask);
  const tmp = new Uint8Array(mask.length);
  const out = new Uint8Array(mask.length);
  pass(mask, tmp, width, height, radius, true, dilation);
  pass(tmp, out, width, height, radius, false, dilation);
  return out;
}

export const dilate = (m: Uint8Array, w: number, h: number, r: number) => filter(m, w, h, r, true);
export const erode = (m: Uint8Array, w: number, h: number, r: number) => filter(m, w, h, r, false);
export const close = (m: Uint8Array, w: number, h: number, r: number) => erode(dilate(m, w, h, r), w, h, r);
export const open = (m: Uint8Array, w: number, h: number, r: number) => dilate(erode(m, w, h, r), w, h, r);
