import {
  type CoordinateSystem,
  ELLIPSOID_OF,
  fromLonLat,
  geographic,
  toLonLat,
} from './coordinate-systems.ts';
import { type GeoTransform, pixelToGeo, metresPerPixel as worldFileMetresPerPixel } from './geo-transform.ts';

/**
 * Where an image's pixels lie on the ground: pixel position (x right, y down, pixel edges at
 * integers) to and from [lon, lat], whatever the image was delivered in (a world file in degrees,
 * a GeoTIFF in a projected system). Pure arithmetic.
 */
export interface Georeference {
  /** The coordinate system the file gave, by name (e.g. "EPSG:4547 CGCS2000 / 3-degree Gauss-Kruger CM 114E"). */
  readonly crs: string;
  toLonLat(x: number, y: number): [number, number];
  toPixel(lon: number, lat: number): [number, number];
  /** Ground size of one pixel in metres, at the image's centre. */
  metresPerPixel(width: number, height: number): number;
}

/** Row-major affine map from pixel position to coordinates: X = m[0]x + m[1]y + m[2], Y = m[3]x + m[4]y + m[5]. */
export type Affine = readonly [number, number, number, number, number, number];

export function invertAffine(m: Affine): Affine {
  const [a, b, c, d, e, f] = m;
  const det = a * e - b * d;
  if (det === 0 || !Number.isFinite(det)) throw new Error('the affine transform is singular');
  return [e / det, -b / det, (b * f - c * e) / det, -d / det, a / det, (c * d - a * f) / det];
}

export function applyAffine(m: Affine, x: number, y: number): [number, number] {
  return [m[0] * x + m[1] * y + m[2], m[3] * x + m[4] * y + m[5]];
}

const RAD = Math.PI / 180;

/** Metres per degree of longitude and of latitude at a latitude, on the datum's ellipsoid. */
function metresPerDegree(crs: CoordinateSystem, lat: number): [number, number] {
  const { a, f } = ELLIPSOID_OF[crs.datum];
  const e2 = f * (2 - f);
  const s = Math.sin(lat * RAD);
  const w = Math.sqrt(1 - e2 * s * s);
  const primeVertical = a / w;
  const meridional = (a * (1 - e2)) / (w * w * w);
  return [primeVertical * Math.cos(lat * RAD) * RAD, meridional * RAD];
}

/** A pixel grid placed by an affine map into a coordinate system (what a GeoTIFF holds). */
export function gridGeoreference(toCrs: Affine, crs: CoordinateSystem): Georeference {
  const fromCrs = invertAffine(toCrs);
  const toLonLatAt = (x: number, y: number) => {
    const [cx, cy] = applyAffine(toCrs, x, y);
    return toLonLat(crs, cx, cy);
  };
  return {
    crs: crs.name,
    toLonLat: toLonLatAt,
    toPixel(lon, lat) {
      const [cx, cy] = fromLonLat(crs, lon, lat);
      return applyAffine(fromCrs, cx, cy);
    },
    metresPerPixel(width, height) {
      // The ground area of one pixel at the centre, from the derivatives of lon/lat on the ellipsoid:
      // exact for geographic grids and includes a projection's scale factor for projected ones.
      const [x, y] = [width / 2, height / 2];
      const [lon, lat] = toLonLatAt(x, y);
      const [lonX, latX] = toLonLatAt(x + 1, y);
      const [lonY, latY] = toLonLatAt(x, y + 1);
      const [kx, ky] = metresPerDegree(crs, lat);
      const ex = (lonX - lon) * kx;
      const nx = (latX - lat) * ky;
      const ey = (lonY - lon) * kx;
      const ny = (latY - lat) * ky;
      return Math.sqrt(Math.abs(ex * ny - ey * nx));
    },
  };
}

/** A world file's georeference (WGS-84 degrees, the pixel-centre convention of world files). */
export function worldFileGeoreference(t: GeoTransform): Georeference {
  const toCrs: Affine = [t.a, t.b, t.c - 0.5 * (t.a + t.b), t.d, t.e, t.f - 0.5 * (t.d + t.e)];
  const grid = gridGeoreference(toCrs, geographic('WGS 84'));
  return {
    crs: 'world file (WGS 84 degrees)',
    toLonLat: (x, y) => pixelToGeo(t, x, y),
    toPixel: grid.toPixel,
    metresPerPixel: () => worldFileMetresPerPixel(t),
  };
}

/** [minLon, minLat, maxLon, maxLat] of a width × height image (its corners and edge midpoints). */
export function georeferencedFootprint(
  geo: Georeference,
  width: number,
  height: number,
): [number, number, number, number] {
  const points: [number, number][] = [];
  for (const fx of [0, 0.5, 1])
    for (const fy of [0, 0.5, 1]) points.push(geo.toLonLat(fx * width, fy * height));
  const lons = points.map((p) => p[0]);
  const lats = points.map((p) => p[1]);
  return [Math.min(...lons), Math.min(...lats), Math.max(...lons), Math.max(...lats)];
}
