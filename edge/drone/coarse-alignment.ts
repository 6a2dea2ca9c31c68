import type { Georeference } from '../../foundation/geometry/georeference.ts';
import { applyHomography } from '../../foundation/geometry/homography.ts';
import { composeHomographies, scaleAndShift } from '../../foundation/geometry/homography-compose.ts';
import { EdgeError } from '../errors.ts';
import { type OpenCv, withMats } from './opencv.ts';
import { clampWindow, type PixelWindow, type RasterSource, readResampled } from './raster-source.ts';
import { type RegistrationQuality, type RegistrationSettings, registerImage } from './registration.ts';

export interface PlacedRaster {
  raster: RasterSource;
  geo?: Georeference | undefined;
}

export interface CoarseAlignment {
  /** Image → baseline, full-resolution pixels. */
  homography: number[];
  /** The part of the baseline the image covers (full-resolution pixels). */
  roi: PixelWindow;
  /** `overview`: registered on downsampled copies; `georeference`: from the two georeferences alone. */
  method: 'overview' | 'georeference';
  quality: RegistrationQuality;
}

const GRID = 5;

/** Image pixel ↔ baseline pixel pairs on a grid over the image, through the ground. */
function geoCorrespondences(image: PlacedRaster, baseline: PlacedRaster): { src: number[]; dst: number[] } {
  const src: number[] = [];
  const dst: number[] = [];
  const { width, height } = image.raster;
  for (let gy = 0; gy < GRID; gy++)
    for (let gx = 0; gx < GRID; gx++) {
      const x = (gx / (GRID - 1)) * width;
      const y = (gy / (GRID - 1)) * height;
      const [lon, lat] = (image.geo as Georeference).toLonLat(x, y);
      const [bx, by] = (baseline.geo as Georeference).toPixel(lon, lat);
      src.push(x, y);
      dst.push(bx, by);
    }
  return { src, dst };
}

/** Least-squares homography through the georeference grid (over an orthophoto the map is near affine). */
function fitHomography(cv: OpenCv, src: number[], dst: number[]): number[] {
  return withMats((keep) => {
    const n = src.length / 2;
    const h = keep(
      cv.findHomography(
        keep(cv.matFromArray(n, 1, cv.CV_32FC2, src)),
        keep(cv.matFromArray(n, 1, cv.CV_32FC2, dst)),
        0,
        3,
        keep(new cv.Mat()),
      ),
    );
    return Array.from(h.data64F);
  });
}

function boundsOf(points: number[]): PixelWindow {
  const xs = points.filter((_, i) => i % 2 === 0);
  const ys = points.filter((_, i) => i % 2 === 1);
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}

/**
 * The first, coarse alignment of a large image to its baseline: both georeferenced, the image's
 * footprint on the baseline says where to look and a homography through the ground says how it
 * lies; then both are registered on overviews of about `overviewMegapixels` (ORB + RANSAC), which
 * corrects the georeferences' own error. Without georeferences the overviews must register; with
 * them, an overview that does not register leaves the georeference's alignment.
 */
export async function alignCoarsely(
  cv: OpenCv,
  baseline: PlacedRaster,
  image: PlacedRaster,
  settings: RegistrationSettings,
  overviewMegapixels: number,
  label: string,
): Promise<CoarseAlignment> {
  let roi: PixelWindow = [0, 0, baseline.raster.width, baseline.raster.height];
  let viaGround: number[] | undefined;
  let imageToBaseScale = 1;
  if (image.geo && baseline.geo) {
    const { src, dst } = geoCorrespondences(image, baseline);
    roi = clampWindow(baseline.raster, boundsOf(dst));
    if (roi[2] - roi[0] < 16 || roi[3] - roi[1] < 16)
      throw new EdgeError(
        'FLIGHT_REGISTRATION_FAILED',
        `${label}: its georeference (${image.geo.crs}) does not overlap the baseline's (${baseline.geo.crs})`,
      );
    viaGround = fitHomography(cv, src, dst);
    imageToBaseScale =
      baseline.geo.metresPerPixel(baseline.raster.width, baseline.raster.height) /
      image.geo.metresPerPixel(image.raster.width, image.raster.height);
  }
  const roiWidth = roi[2] - roi[0];
  const roiHeight = roi[3] - roi[1];
  const baseScale = Math.min(1, Math.sqrt((overviewMegapixels * 1e6) / (roiWidth * roiHeight)));
  const imageScale = viaGround
    ? Math.min(1, baseScale / imageToBaseScale)
    : Math.min(1, Math.sqrt((overviewMegapixels * 1e6) / (image.raster.width * image.raster.height)));
  const size = (n: number, s: number) => Math.max(1, Math.round(n * s));
  const baseOverview = await readResampled(
    baseline.raster,
    roi,
    size(roiWidth, baseScale),
    size(roiHeight, baseScale),
  );
  const imageOverview = await readResampled(
    image.raster,
    [0, 0, image.raster.width, image.raster.height],
    size(image.raster.width, imageScale),
    size(image.raster.height, imageScale),
  );
  const fromOverviews = (h: readonly number[]) =>
    composeHomographies(
      scaleAndShift(roiWidth / baseOverview.width, roiHeight / baseOverview.height, roi[0], roi[1]),
      h,
      scaleAndShift(imageOverview.width / image.raster.width, imageOverview.height / image.raster.height),
    );
  try {
    const registration = registerImage(cv, baseOverview, imageOverview, settings, `${label} (overview)`);
    return {
      homography: fromOverviews(registration.homography),
      roi,
      method: 'overview',
      quality: registration.quality,
    };
  } catch (error) {
    if (!viaGround || !(error instanceof EdgeError)) throw error;
    const corner = applyHomography(viaGround, 0, 0);
    if (!corner.every(Number.isFinite)) throw error;
    const none = { baseline: 0, image: 0 };
    return {
      homography: viaGround,
      roi,
      method: 'georeference',
      quality: {
        keypoints: none,
        matches: 0,
        inliers: 0,
        inlierRatio: 0,
        reprojectionErrorPx: 0,
        overlap: 1,
      },
    };
  }
}
