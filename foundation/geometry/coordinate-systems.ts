import {
  CGCS2000_ELLIPSOID,
  type Ellipsoid,
  projectTransverseMercator,
  type TransverseMercatorParams,
  unprojectTransverseMercator,
  WGS84_ELLIPSOID,
} from './transverse-mercator.ts';

/**
 * The coordinate reference systems orthophotos are delivered in that this product reads: WGS 84
 * and CGCS2000, geographic or transverse Mercator (UTM, Gauss-Krüger), and their conversion to
 * the [lon, lat] every event carries. CGCS2000 and WGS 84 (G1762 and later) agree to a few
 * centimetres, below any orthophoto's ground sampling distance, so CGCS2000 coordinates are used
 * as WGS-84 ones with no datum shift. Pure arithmetic.
 */

export type Datum = 'WGS 84' | 'CGCS2000';

export type CoordinateSystem =
  | { kind: 'geographic'; name: string; datum: Datum }
  | { kind: 'transverse-mercator'; name: string; datum: Datum; tm: TransverseMercatorParams };

export const ELLIPSOID_OF: Record<Datum, Ellipsoid> = {
  'WGS 84': WGS84_ELLIPSOID,
  CGCS2000: CGCS2000_ELLIPSOID,
};

export function geographic(datum: Datum, code?: number): CoordinateSystem {
  return { kind: 'geographic', datum, name: `${code ? `EPSG:${code} ` : ''}${datum}` };
}

export function transverseMercator(
  datum: Datum,
  name: string,
  tm: Omit<TransverseMercatorParams, 'ellipsoid'>,
): CoordinateSystem {
  return { kind: 'transverse-mercator', datum, name, tm: { ...tm, ellipsoid: ELLIPSOID_OF[datum] } };
}

/** UTM zone `zone` (1–60), north or south, on a datum. */
export function utm(datum: Datum, zone: number, north: boolean, name: string): CoordinateSystem {
  return transverseMercator(datum, name, {
    lon0: zone * 6 - 183,
    k0: 0.9996,
    falseEasting: 500_000,
    falseNorthing: north ? 0 : 10_000_000,
  });
}

function gaussKruger(code: number, lon0: number, zonePrefix: number, label: string): CoordinateSystem {
  return transverseMercator('CGCS2000', `EPSG:${code} CGCS2000 / ${label}`, {
    lon0,
    k0: 1,
    falseEasting: zonePrefix * 1_000_000 + 500_000,
    falseNorthing: 0,
  });
}

/** A supported EPSG code's coordinate system, or undefined. */
export function coordinateSystemFromEpsg(code: number): CoordinateSystem | undefined {
  if (code === 4326) return geographic('WGS 84', code);
  if (code === 4490) return geographic('CGCS2000', code);
  if (code >= 32601 && code <= 32660)
    return utm('WGS 84', code - 32600, true, `EPSG:${code} WGS 84 / UTM zone ${code - 32600}N`);
  if (code >= 32701 && code <= 32760)
    return utm('WGS 84', code - 32700, false, `EPSG:${code} WGS 84 / UTM zone ${code - 32700}S`);
  // CGCS2000 Gauss-Krüger, as EPSG numbers them: 6° zones 13–23 with the zone number before the
  // easting, then the same by central meridian; 3° zones 25–45, then the same by central meridian.
  if (code >= 4491 && code <= 4501) {
    const zone = code - 4478;
    return gaussKruger(code, zone * 6 - 3, zone, `Gauss-Kruger zone ${zone}`);
  }
  if (code >= 4502 && code <= 4512) {
    const lon0 = 75 + (code - 4502) * 6;
    return gaussKruger(code, lon0, 0, `Gauss-Kruger CM ${lon0}E`);
  }
  if (code >= 4513 && code <= 4533) {
    const zone = code - 4488;
    return gaussKruger(code, zone * 3, zone, `3-degree Gauss-Kruger zone ${zone}`);
  }
  if (code >= 4534 && code <= 4554) {
    const lon0 = 75 + (code - 4534) * 3;
    return gaussKruger(code, lon0, 0, `3-degree Gauss-Kruger CM ${lon0}E`);
  }
  return undefined;
}

const REFUSED_FAMILIES: { from: number; to: number; name: string }[] = [
  { from: 4214, to: 4214, name: 'Beijing 1954' },
  { from: 2401, to: 2442, name: 'Beijing 1954 / 3-degree Gauss-Kruger' },
  { from: 21413, to: 21483, name: 'Beijing 1954 / Gauss-Kruger' },
  { from: 4610, to: 4610, name: 'Xian 1980' },
  { from: 2327, to: 2390, name: 'Xian 1980 / Gauss-Kruger' },
  { from: 4555, to: 4589, name: 'New Beijing' },
  { from: 3857, to: 3857, name: 'WGS 84 / Pseudo-Mercator (web tiles, not a survey projection)' },
];

/** Why an EPSG code is refused, naming its family where it is a known one. */
export function describeUnsupportedEpsg(code: number): string {
  const family = REFUSED_FAMILIES.find((f) => code >= f.from && code <= f.to);
  const needsShift = family && !family.name.startsWith('WGS 84');
  return family
    ? `EPSG:${code} (${family.name}) is not supported${needsShift ? ': it needs a datum transformation to CGCS2000 that the file does not carry; reproject the orthophoto to CGCS2000 or WGS 84' : ''}`
    : `EPSG:${code} is not supported (supported: EPSG:4326, 4490, 32601–32660, 32701–32760, 4491–4554)`;
}

/** Coordinates in the system (x easting or longitude, y northing or latitude) → [lon, lat]. */
export function toLonLat(crs: CoordinateSystem, x: number, y: number): [number, number] {
  return crs.kind === 'geographic' ? [x, y] : unprojectTransverseMercator(crs.tm, x, y);
}

/** [lon, lat] → coordinates in the system. */
export function fromLonLat(crs: CoordinateSystem, lon: number, lat: number): [number, number] {
  return crs.kind === 'geographic' ? [lon, lat] : projectTransverseMercator(crs.tm, lon, lat);
}
