import { applyHomography, invertHomography } from '../../foundation/geometry/homography.ts';
import { EdgeError } from '../errors.ts';
import { type CvMat, type OpenCv, withMats } from './opencv.ts';
import { type RgbImage, toGrey } from './raster.ts';

export interface RegistrationSettings {
  detector: 'orb' | 'akaze';
  maxFeatures: number;
  /** Lowe's ratio test: a match counts when its distance is below this share of the second best. */
  ratio: number;
  ransacThresholdPx: number;
  minMatches: number;
  minInliers: number;
  minInlierRatio: number;
  maxReprojectionErrorPx: number;
  /** Least share of the baseline the registered image must cover. */
  minOverlap: number;
}

export interface RegistrationQuality {
  keypoints: { baseline: number; image: number };
  matches: number;
  inliers: number;
  inlierRatio: number;
  /** RMS distance, in baseline pixels, between inlier matches after the homography. */
  reprojectionErrorPx: number;
  /** Share of the baseline's pixels the image covers once registered. */
  overlap: number;
}

export interface Registration {
  /** Row-major 3×3 homography from image pixels to baseline pixels. */
  homography: number[];
  quality: RegistrationQuality;
}

function greyMat(cv: OpenCv, image: RgbImage, keep: <M extends { delete(): void }>(m: M) => M): CvMat {
  const mat = keep(cv.Mat.zeros(image.height, image.width, cv.CV_8UC1));
  toGrey(image, mat.data);
  return mat;
}

/**
 * For each baseline pixel, whether the registered image covers it (at least `margin` pixels inside
 * the image's edge): 1 or 0.
 */
export function coverageMask(
  toImage: readonly number[],
  baseWidth: number,
  baseHeight: number,
  imageWidth: number,
  imageHeight: number,
  margin: number,
): Uint8Array {
  const mask = new Uint8Array(baseWidth * baseHeight);
  for (let y = 0; y < baseHeight; y++) {
    for (let x = 0; x < baseWidth; x++) {
      const [u, v] = applyHomography(toImage, x + 0.5, y + 0.5);
      if (u >= margin && v >= margin && u <= imageWidth - margin && v <= imageHeight - margin) {
        mask[y * baseWidth + x] = 1;
      }
    }
  }
  return mask;
}

function describe(q: Omit<RegistrationQuality, 'overlap'> & { overlap?: number }): string {
  return `${q.keypoints.image} keypoints in the image, ${q.keypoints.baseline} in the baseline, ${q.matches} matches, ${q.inliers} inliers (${(q.inlierRatio * 100).toFixed(0)} %), reprojection error ${q.reprojectionErrorPx.toFixed(2)} px${q.overlap === undefined ? '' : `, overlap ${(q.overlap * 100).toFixed(0)} %`}`;
}

/**
 * Registers `image` onto `baseline`: keypoints (ORB or AKAZE), ratio-tested nearest-neighbour
 * matches, and a RANSAC homography. Refuses with FLIGHT_REGISTRATION_FAILED, naming the figure
 * below its threshold, when the result is not good enough to compare pixels.
 */
export function registerImage(
  cv: OpenCv,
  baseline: RgbImage,
  image: RgbImage,
  settings: RegistrationSettings,
  label: string,
): Registration {
  return withMats((keep) => {
    const detector = keep(settings.detector === 'akaze' ? new cv.AKAZE() : new cv.ORB(settings.maxFeatures));
    const noMask = keep(new cv.Mat());
    const baseKp = keep(new cv.KeyPointVector());
    const imgKp = keep(new cv.KeyPointVector());
    const baseDesc = keep(new cv.Mat());
    const imgDesc = keep(new cv.Mat());
    detector.detectAndCompute(greyMat(cv, baseline, keep), noMask, baseKp, baseDesc);
    detector.detectAndCompute(greyMat(cv, image, keep), noMask, imgKp, imgDesc);
    const keypoints = { baseline: baseKp.size(), image: imgKp.size() };
    const fail = (reason: string, q: Parameters<typeof describe>[0]): never => {
      throw new EdgeError('FLIGHT_REGISTRATION_FAILED', `${label}: ${reason} (${describe(q)})`);
    };
    const empty = { keypoints, matches: 0, inliers: 0, inlierRatio: 0, reprojectionErrorPx: 0 };
    if (keypoints.baseline < 4 || keypoints.image < 4) fail('too few keypoints', empty);

    const matcher = keep(new cv.BFMatcher(cv.NORM_HAMMING, false));
    const knn = keep(new cv.DMatchVectorVector());
    matcher.knnMatch(imgDesc, baseDesc, knn, 2);
    const src: number[] = [];
    const dst: number[] = [];
    for (let i = 0; i < knn.size(); i++) {
      const pair = knn.get(i);
      if (pair.size() < 2) continue;
      const best = pair.get(0);
      if (best.distance < settings.ratio * pair.get(1).distance) {
        const a = imgKp.get(best.queryIdx).pt;
        const b = baseKp.get(best.trainIdx).pt;
        src.push(a.x, a.y);
        dst.push(b.x, b.y);
      }
    }
    const matches = src.length / 2;
    if (matches < settings.minMatches) {
      fail(`${matches} matches, below ${settings.minMatches}`, { ...empty, matches });
    }
    const inlierMask = keep(new cv.Mat());
    const hMat = keep(
      cv.findHomography(
        keep(cv.matFromArray(matches, 1, cv.CV_32FC2, src)),
        keep(cv.matFromArray(matches, 1, cv.CV_32FC2, dst)),
        cv.RANSAC,
        settings.ransacThresholdPx,
        inlierMask,
      ),
    );
    if (hMat.rows !== 3) fail('no homography fits the matches', { ...empty, matches });
    const homography = Array.from(hMat.data64F);
    let inliers = 0;
    let squared = 0;
    for (let i = 0; i < matches; i++) {
      if (!inlierMask.data[i]) continue;
      inliers++;
      const [x, y] = applyHomography(homography, src[2 * i] ?? 0, src[2 * i + 1] ?? 0);
      squared += (x - (dst[2 * i] ?? 0)) ** 2 + (y - (dst[2 * i + 1] ?? 0)) ** 2;
    }
    const quality: RegistrationQuality = {
      keypoints,
      matches,
      inliers,
      inlierRatio: inliers / matches,
      reprojectionErrorPx: inliers > 0 ? Math.sqrt(squared / inliers) : Number.POSITIVE_INFINITY,
      overlap: 0,
    };
    if (inliers < settings.minInliers) {
      fail(`${inliers} inliers of ${matches} matches, below ${settings.minInliers}`, quality);
    }
    if (quality.inlierRatio < settings.minInlierRatio) {
      fail(`inlier ratio ${quality.inlierRatio.toFixed(2)}, below ${settings.minInlierRatio}`, quality);
    }
    if (quality.reprojectionErrorPx > settings.maxReprojectionErrorPx) {
      fail(
        `reprojection error ${quality.reprojectionErrorPx.toFixed(2)} px, above ${settings.maxReprojectionErrorPx}`,
        quality,
      );
    }
    const [a = 0, b = 0, , d = 0, e = 0] = homography;
    const scale = Math.abs(a * e - b * d);
    if (!(scale > 0.25 && scale < 4))
      fail(`the homography scales area by ${scale.toFixed(2)}: degenerate`, quality);
    const mask = coverageMask(
      invertHomography(homography),
      baseline.width,
      baseline.height,
      image.width,
      image.height,
      0,
    );
    let covered = 0;
    for (const v of mask) covered += v;
    quality.overlap = covered / mask.length;
    if (quality.overlap < settings.minOverlap) {
      fail(
        `overlap ${(quality.overlap * 100).toFixed(0)} %, below ${(settings.minOverlap * 100).toFixed(0)} %`,
        quality,
      );
    }
    return { homography, quality };
  });
}

/** The image resampled into the baseline's pixel grid (bilinear); uncovered pixels are black. */
export function warpToBaseline(
  cv: OpenCv,
  image: RgbImage,
  homography: readonly number[],
  width: number,
  height: number,
): RgbImage {
  return withMats((keep) => {
    const src = keep(cv.Mat.zeros(image.height, image.width, cv.CV_8UC3));
    src.data.set(image.data);
    const dst = keep(new cv.Mat());
    const h = keep(cv.matFromArray(3, 3, cv.CV_64FC1, homography));
    cv.warpPerspective(
      src,
      dst,
      h,
      new cv.Size(width, height),
      cv.INTER_LINEAR,
      cv.BORDER_CONSTANT,
      new cv.Scalar(0, 0, 0, 0),
    );
    return { data: new Uint8Array(dst.data), width, height };
  });
}
