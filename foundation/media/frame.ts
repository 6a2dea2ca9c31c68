/** Interleaved 8-bit RGB pixels, as a decoded video frame arrives. */
export interface RawImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/** A box as [x1, y1, x2, y2] in pixels, top-left origin. */
export type Box = [number, number, number, number];
