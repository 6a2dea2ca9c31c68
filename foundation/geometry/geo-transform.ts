/**
 * The affine map between an image's pixels and WGS-84 lon/lat that a world file (ESRI
 * .jgw/.pgw/.tfw/.wld) holds: pure arithmetic, no file access.
 */

/**
 * A world file's six lines A, D, B, E, C, F giving
 * x = A·col + B·row + C and y = D·col + E·row + F for the centre of pixel (col, row).
 * Here x is longitude and y latitude (WGS 84 degrees).
 */
export interface GeoTransform {
  a: number;
  d: number;
  b: number;
  e: number;
  c: number;
  f: number;
}

/** The transform as a world file's text. */
export function serialiseWorldFile(t: GeoTransform): string {
  return `${[t.a, t.d, t.b, t.e, t.c, t.f].map((n) => n.toPrecision(12)).join('\n')}\n`;
}

/** Pixel position (x right, y down, pixel edges at integers) to [lon, lat]. */
export function pixelToGeo(t: GeoTransform, x: number, y: number): [number, number] {
  const col = x - 0.5;
  const row = y - 0.5;
  return [t.a * col + t.b * row + t.c, t.d * col + t.e * row + t.f];
}

/** Ground size of one pixel in metres (square-ish pixels), from degrees at the transform's latitude. */
export function metresPerPixel(t: GeoTransform): number {
  const lat = (t.f * Math.PI) / 180;
  const mx = Math.hypot(t.a * Math.cos(lat), t.d) * 111_320;
  const my = Math.hypot(t.b * Math.cos(lat), t.e) * 111_320;
  return Math.sqrt(mx * my);
}

/** [minLon, minLat, maxLon, maxLat] of a width × height image under a transform. */
export function footprint(t: GeoTransform, width: number, height: number): [number, number, number, number] {
  const corners = [
    pixelToGeo(t, 0, 0),
    pixelToGeo(t, width, 0),
    pixelToGeo(t, width, height),
    pixelToGeo(t, 0, height),
  ];
  const lons = corners.map((c) => c[0]);
  const lats = corners.map((c) => c[1]);
  return [Math.min(...lons), Math.min(...lats), Math.max(...lons), Math.max(...lats)];
}
