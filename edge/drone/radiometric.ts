import type { RgbImage } from './raster.ts';

/**
 * Radiometric normalisation: each channel of `source` is mapped through the look-up table that
 * makes its histogram (over the pixels `mask` marks) match `reference`'s over the same pixels.
 * Undoes exposure, gamma and white-balance differences between flights; structure stays.
 */
export function matchHistograms(source: RgbImage, reference: RgbImage, mask: Uint8Array): RgbImage {
  const out = new Uint8Array(source.data.length);
  const srcHist = new Float64Array(256);
  const refHist = new Float64Array(256);
  const lut = new Uint8Array(256);
  for (let c = 0; c < 3; c++) {
    srcHist.fill(0);
    refHist.fill(0);
    for (let i = 0, p = c; i < mask.length; i++, p += 3) {
      if (!mask[i]) continue;
      const s = source.data[p] ?? 0;
      const r = reference.data[p] ?? 0;
      srcHist[s] = (srcHist[s] ?? 0) + 1;
      refHist[r] = (refHist[r] ?? 0) + 1;
    }
    cumulate(srcHist);
    cumulate(refHist);
    let r = 0;
    for (let v = 0; v < 256; v++) {
      const target = srcHist[v] ?? 0;
      while (r < 255 && (refHist[r] ?? 0) < target) r++;
      lut[v] = r;
    }
    for (let p = c; p < out.length; p += 3) out[p] = lut[source.data[p] ?? 0] ?? 0;
  }
  return { data: out, width: source.width, height: source.height };
}

function cumulate(hist: Float64Array): void {
  let total = 0;
  for (let v = 0; v < 256; v++) total += hist[v] ?? 0;
  let running = 0;
  for (let v = 0; v < 256; v++) {
    running += hist[v] ?? 0;
    hist[v] = total > 0 ? running / total : 0;
  }
}

/** `after` where `mask` is set, `before` elsewhere: the uncovered border then shows no change. */
export function fillUncovered(after: RgbImage, before: RgbImage, mask: Uint8Array): RgbImage {
  const out = new Uint8Array(after.data);
  for (let i = 0, p = 0; i < mask.length; i++, p += 3) {
    if (mask[i]) continue;
    out[p] = before.data[p] ?? 0;
    out[p + 1] = before.data[p + 1] ?? 0;
    out[p + 2] = before.data[p + 2] ?? 0;
  }
  return { data: out, width: after.width, height: after.height };
}
