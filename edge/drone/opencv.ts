import { createRequire } from 'node:module';

/**
 * OpenCV (4.5, WASM) loaded once per process: its start-up takes a few hundred milliseconds,
 * measured and kept in `openCvInitMs`. Only the parts the drone path uses are typed here.
 */

export interface CvMat {
  rows: number;
  cols: number;
  data: Uint8Array;
  data32F: Float32Array;
  data64F: Float64Array;
  data32S: Int32Array;
  delete(): void;
  isDeleted(): boolean;
}

export interface CvMatVector {
  size(): number;
  get(index: number): CvMat;
  delete(): void;
}

export interface CvKeyPointVector {
  size(): number;
  get(index: number): { pt: { x: number; y: number } };
  delete(): void;
}

export interface CvDMatch {
  queryIdx: number;
  trainIdx: number;
  distance: number;
}

export interface CvDMatchVectorVector {
  size(): number;
  get(index: number): { size(): number; get(index: number): CvDMatch };
  delete(): void;
}

export interface CvFeature2D {
  detectAndCompute(image: CvMat, mask: CvMat, keypoints: CvKeyPointVector, descriptors: CvMat): void;
  delete(): void;
}

export interface OpenCv {
  Mat: (new () => CvMat) & { zeros(rows: number, cols: number, type: number): CvMat };
  MatVector: new () => CvMatVector;
  KeyPointVector: new () => CvKeyPointVector;
  DMatchVectorVector: new () => CvDMatchVectorVector;
  ORB: new (nFeatures: number) => CvFeature2D;
  AKAZE: new () => CvFeature2D;
  BFMatcher: new (
    normType: number,
    crossCheck: boolean,
  ) => {
    knnMatch(query: CvMat, train: CvMat, matches: CvDMatchVectorVector, k: number): void;
    delete(): void;
  };
  Size: new (width: number, height: number) => unknown;
  Scalar: new (...values: number[]) => unknown;
  matFromArray(rows: number, cols: number, type: number, data: ArrayLike<number>): CvMat;
  findHomography(src: CvMat, dst: CvMat, method: number, ransacThreshold: number, mask: CvMat): CvMat;
  warpPerspective(
    src: CvMat,
    dst: CvMat,
    m: CvMat,
    size: unknown,
    flags: number,
    borderMode: number,
    borderValue: unknown,
  ): void;
  remap(src: CvMat, dst: CvMat, map1: CvMat, map2: CvMat, interpolation: number, borderMode: number): void;
  findContours(image: CvMat, contours: CvMatVector, hierarchy: CvMat, mode: number, method: number): void;
  approxPolyDP(curve: CvMat, approx: CvMat, epsilon: number, closed: boolean): void;
  convexHull(points: CvMat, hull: CvMat, clockwise: boolean, returnPoints: boolean): void;
  contourArea(contour: CvMat): number;
  minAreaRect(points: CvMat): { size: { width: number; height: number } };
  CV_8UC1: number;
  CV_8UC3: number;
  CV_32FC1: number;
  CV_32FC2: number;
  CV_64FC1: number;
  NORM_HAMMING: number;
  RANSAC: number;
  INTER_LINEAR: number;
  BORDER_CONSTANT: number;
  BORDER_REPLICATE: number;
  RETR_EXTERNAL: number;
  CHAIN_APPROX_SIMPLE: number;
}

let loading: Promise<OpenCv> | undefined;
export let openCvInitMs = 0;

export function loadOpenCv(): Promise<OpenCv> {
  loading ??= (async () => {
    const started = performance.now();
    // Required, not imported: the Emscripten module is a thenable that resolves to itself, and an
    // `await import()` whose namespace exposes that `then` (as vitest's does) never settles.
    const before = {
      uncaughtException: process.listeners('uncaughtException'),
      unhandledRejection: process.listeners('unhandledRejection'),
    };
    const cv = createRequire(import.meta.url)('@techstark/opencv-js') as OpenCv & {
      onRuntimeInitialized?: () => void;
    };
    // Emscripten's loader hooks both process events (rethrow, abort), which would turn any
    // unhandled rejection in the edge node into an OpenCV abort that prints its whole source.
    for (const listener of process.listeners('uncaughtException')) {
      if (!before.uncaughtException.includes(listener)) process.removeListener('uncaughtException', listener);
    }
    for (const listener of process.listeners('unhandledRejection')) {
      if (!before.unhandledRejection.includes(listener))
        process.removeListener('unhandledRejection', listener);
    }
    if (typeof cv.Mat !== 'function') {
      await new Promise<void>((resolve) => {
        cv.onRuntimeInitialized = resolve;
      });
    }
    openCvInitMs = performance.now() - started;
    // Resolving a promise with it would chase that `then` for ever, so it goes once ready.
    delete (cv as { then?: unknown }).then;
    return cv;
  })();
  return loading;
}

/** Runs `body` and deletes every Mat it registered, whatever happens: WASM memory is not collected. */
export function withMats<T>(body: (keep: <M extends { delete(): void }>(m: M) => M) => T): T {
  const owned: { delete(): void }[] = [];
  try {
    return body((m) => {
      owned.push(m);
      return m;
    });
  } finally {
    for (const m of owned) m.delete();
  }
}
