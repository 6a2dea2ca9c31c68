import type { Point } from '../../foundation/geometry/image-plane.ts';
import { close, open } from './morphology.ts';
import { type CvMat, type OpenCv, withMats } from './opencv.ts';
import type { FloatMap } from './raster.ts';

export interface RegionSettings {
  /** Change score from which a pixel counts as changed. */
  threshold: number;
  /** Radius (pixels) of the closing that groups nearby changed pixels into one structure, and of the opening that drops specks. */
  groupRadius: number;
  openRadius: number;
  minAreaPx: number;
  maxAreaPx: number;
  /** Area over convex-hull area: ragged smears of misregistration score low. */
  minSolidity: number;
  /** Long side over short side of the least rotated rectangle: roads and edge slivers are long. */
  maxElongation: number;
}

export interface ChangeRegion {
  /** Outline in the map's pixels (the baseline's grid). */
  polygon: Point[];
  areaPx: number;
  meanScore: number;
  peakScore: number;
  solidity: number;
  elongation: number;
}

export interface RegionVerdict {
  region: ChangeRegion;
  /** Why it was dropped, or undefined when it is a candidate. */
  rejected?: 'area' | 'shape' | 'location';
}

function toPoints(mat: CvMat): Point[] {
  const points: Point[] = [];
  for (let k = 0; k + 1 < mat.data32S.length; k += 2)
    points.push([mat.data32S[k] ?? 0, mat.data32S[k + 1] ?? 0]);
  return points;
}

/**
 * Changed pixels → candidate regions: threshold within `valid`, open (drop specks), close (group
 * the parts of one structure), then each connected outline is simplified to a polygon and judged
 * by area, shape and location (`allowed` says where structures may be reported).
 */
export function extractRegions(
  cv: OpenCv,
  map: FloatMap,
  valid: Uint8Array,
  settings: RegionSettings,
  allowed: (x: number, y: number) => boolean = () => true,
): RegionVerdict[] {
  const { width, height } = map;
  let mask: Uint8Array = new Uint8Array(width * height);
  for (let i = 0; i < mask.length; i++)
    mask[i] = valid[i] && (map.data[i] ?? 0) >= settings.threshold ? 1 : 0;
  mask = close(open(mask, width, height, settings.openRadius), width, height, settings.groupRadius);
  for (let i = 0; i < mask.length; i++) mask[i] = (mask[i] ?? 0) & (valid[i] ?? 0);
  return withMats((keep) => {
    const binary = keep(cv.Mat.zeros(height, width, cv.CV_8UC1));
    for (let i = 0; i < mask.length; i++) binary.data[i] = mask[i] ? 255 : 0;
    const contours = keep(new cv.MatVector());
    cv.findContours(binary, contours, keep(new cv.Mat()), cv.RETR_EXTERNAL, cv.CHAIN_APPROX_SIMPLE);
    const verdicts: RegionVerdict[] = [];
    for (let c = 0; c < contours.size(); c++) {
      const contour = keep(contours.get(c));
      const areaPx = cv.contourArea(contour);
      const approx = keep(new cv.Mat());
      cv.approxPolyDP(contour, approx, 1.5, true);
      const hull = keep(new cv.Mat());
      cv.convexHull(contour, hull, false, true);
      const hullArea = cv.contourArea(hull);
      const rect = cv.minAreaRect(contour);
      const long = Math.max(rect.size.width, rect.size.height);
      const short = Math.max(1, Math.min(rect.size.width, rect.size.height));
      let polygon = toPoints(approx);
      if (polygon.length < 3) polygon = toPoints(hull);
      let sum = 0;
      let peak = 0;
      let count = 0;
      const pts = toPoints(contour);
      const xs = pts.map((p) => p[0]);
      const ys = pts.map((p) => p[1]);
      for (let y = Math.min(...ys); y <= Math.max(...ys); y++) {
        for (let x = Math.min(...xs); x <= Math.max(...xs); x++) {
          const i = y * width + x;
          if (!mask[i]) continue;
          const s = map.data[i] ?? 0;
          sum += s;
          peak = Math.max(peak, s);
          count++;
        }
      }
      const region: ChangeRegion = {
        polygon,
        areaPx,
        meanScore: count > 0 ? sum / count : 0,
        peakScore: peak,
        solidity: hullArea > 0 ? areaPx / hullArea : 0,
        elongation: long / short,
      };
      const cx = polygon.reduce((s, p) => s + p[0], 0) / polygon.length;
      const cy = polygon.reduce((s, p) => s + p[1], 0) / polygon.length;
      let rejected: RegionVerdict['rejected'];
      if (areaPx < settings.minAreaPx || areaPx > settings.maxAreaPx) rejected = 'area';
      else if (region.solidity < settings.minSolidity || region.elongation > settings.maxElongation)
        rejected = 'shape';
      else if (!allowed(cx, cy)) rejected = 'location';
      verdicts.push(rejected ? { region, rejected } : { region });
    }
    return verdicts;
  });
}
