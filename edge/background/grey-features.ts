import type { RawImage } from '../../foundation/media/frame.ts';

/**
 * The reduced grid the background model works on: the analysed frame shrunk by a whole factor
 * (block averages), so that a frame costs tens of thousands of pixels, not hundreds.
 */
export interface WorkGrid {
  width: number;
  height: number;
  /** Analysed-frame pixels per grid cell, along each axis. */
  factor: number;
}

export function workGrid(frameWidth: number, frameHeight: number, maxWidth: number): WorkGrid {
  const factor = Math.max(1, Math.ceil(frameWidth / maxWidth));
  return {
    width: Math.max(3, Math.floor(frameWidth / factor)),
    height: Math.max(3, Math.floor(frameHeight / factor)),
    factor,
  };
}

/**
 * Log brightness, scaled: a gradient of log brightness does not change when the light on a
 * surface is multiplied (a cloud, a street light coming on, the camera's exposure), where a
 * gradient of raw grey levels would. The offset keeps noise in dark areas from being amplified.
 */
const LOG_SCALE = 64;
const LOG_OFFSET = 16;
const LOG_OF_GREY = Float32Array.from({ length: 256 }, (_, v) => LOG_SCALE * Math.log(v + LOG_OFFSET));

/** Writes the log brightness of each grid cell (the mean luma of its block of `frame`) into `out`. */
export function logGrey(frame: RawImage, grid: WorkGrid, out: Float32Array): void {
  const { width, height, factor } = grid;
  const { data } = frame;
  const stride = frame.width * 3;
  const cells = factor * factor;
  for (let gy = 0; gy < height; gy++) {
    for (let gx = 0; gx < width; gx++) {
      let sum = 0;
      for (let dy = 0; dy < factor; dy++) {
        let p = (gy * factor + dy) * stride + gx * factor * 3;
        for (let dx = 0; dx < factor; dx++, p += 3) {
          // ITU-R BT.601 luma in integers (weights sum to 256).
          sum +=
            (77 * (data[p] as number) + 150 * (data[p + 1] as number) + 29 * (data[p + 2] as number)) >> 8;
        }
      }
      out[gy * width + gx] = LOG_OF_GREY[Math.round(sum / cells)] as number;
    }
  }
}

/** Central-difference gradients of `image` into `gx`, `gy`; the one-cell border is 0. */
export function gradients(image: Float32Array, grid: WorkGrid, gx: Float32Array, gy: Float32Array): void {
  const { width, height } = grid;
  gx.fill(0);
  gy.fill(0);
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      const i = y * width + x;
      gx[i] = (image[i + 1] as number) - (image[i - 1] as number);
      gy[i] = (image[i + width] as number) - (image[i - width] as number);
    }
  }
}
