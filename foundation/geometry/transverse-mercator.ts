/**
 * The transverse Mercator projection on an ellipsoid (UTM, Gauss-Krüger), by Krüger's series in
 * the third flattening n to order n⁶ as given by Karney (2011, "Transverse Mercator with an
 * accuracy of a few nanometers", J. Geodesy 85). Within 3,900 km of the central meridian the
 * series is accurate to a few nanometres, far beyond any survey zone. Pure arithmetic.
 */

export interface Ellipsoid {
  name: string;
  /** Semi-major axis, metres. */
  a: number;
  /** Flattening. */
  f: number;
}

export const WGS84_ELLIPSOID: Ellipsoid = { name: 'WGS 84', a: 6_378_137, f: 1 / 298.257223563 };
/**
 * CGCS2000's ellipsoid: GRS 80's a and f (its GM and ω differ, which a projection does not use);
 * its semi-minor axis differs from WGS 84's by 0.1 mm.
 */
export const CGCS2000_ELLIPSOID: Ellipsoid = { name: 'CGCS2000', a: 6_378_137, f: 1 / 298.257222101 };

export interface TransverseMercatorParams {
  ellipsoid: Ellipsoid;
  /** Central meridian, degrees. */
  lon0: number;
  /** Scale on the central meridian (UTM 0.9996, Gauss-Krüger 1). */
  k0: number;
  falseEasting: number;
  falseNorthing: number;
}

const RAD = Math.PI / 180;

interface Series {
  /** Rectifying radius A. */
  radius: number;
  e: number;
  alpha: number[];
  beta: number[];
}

const seriesCache = new WeakMap<Ellipsoid, Series>();

function series(ellipsoid: Ellipsoid): Series {
  const cached = seriesCache.get(ellipsoid);
  if (cached) return cached;
  const { a, f } = ellipsoid;
  const n = f / (2 - f);
  const [n2, n3, n4, n5, n6] = [n ** 2, n ** 3, n ** 4, n ** 5, n ** 6];
  const radius = (a / (1 + n)) * (1 + n2 / 4 + n4 / 64 + n6 / 256);
  const alpha = [
    n / 2 - (2 * n2) / 3 + (5 * n3) / 16 + (41 * n4) / 180 - (127 * n5) / 288 + (7891 * n6) / 37800,
    (13 * n2) / 48 - (3 * n3) / 5 + (557 * n4) / 1440 + (281 * n5) / 630 - (1983433 * n6) / 1935360,
    (61 * n3) / 240 - (103 * n4) / 140 + (15061 * n5) / 26880 + (167603 * n6) / 181440,
    (49561 * n4) / 161280 - (179 * n5) / 168 + (6601661 * n6) / 7257600,
    (34729 * n5) / 80640 - (3418889 * n6) / 1995840,
    (212378941 * n6) / 319334400,
  ];
  const beta = [
    n / 2 - (2 * n2) / 3 + (37 * n3) / 96 - n4 / 360 - (81 * n5) / 512 + (96199 * n6) / 604800,
    n2 / 48 + n3 / 15 - (437 * n4) / 1440 + (46 * n5) / 105 - (1118711 * n6) / 3870720,
    (17 * n3) / 480 - (37 * n4) / 840 - (209 * n5) / 4480 + (5569 * n6) / 90720,
    (4397 * n4) / 161280 - (11 * n5) / 504 - (830251 * n6) / 7257600,
    (4583 * n5) / 161280 - (108847 * n6) / 3991680,
    (20648693 * n6) / 638668800,
  ];
  const computed = { radius, e: Math.sqrt(f * (2 - f)), alpha, beta };
  seriesCache.set(ellipsoid, computed);
  return computed;
}

/** tan of the conformal latitude from tan of the geodetic latitude. */
function conformalTan(tau: number, e: number): number {
  const sigma = Math.sinh(e * Math.atanh((e * tau) / Math.sqrt(1 + tau * tau)));
  return tau * Math.sqrt(1 + sigma * sigma) - sigma * Math.sqrt(1 + tau * tau);
}

/** [lon, lat] in degrees → [easting, northing] in metres. */
export function projectTransverseMercator(
  p: TransverseMercatorParams,
  lon: number,
  lat: number,
): [number, number] {
  const { radius, e, alpha } = series(p.ellipsoid);
  const lambda = (lon - p.lon0) * RAD;
  const tauPrime = conformalTan(Math.tan(lat * RAD), e);
  const cosLambda = Math.cos(lambda);
  const xiPrime = Math.atan2(tauPrime, cosLambda);
  const etaPrime = Math.asinh(Math.sin(lambda) / Math.hypot(tauPrime, cosLambda));
  let xi = xiPrime;
  let eta = etaPrime;
  alpha.forEach((aj, k) => {
    const j2 = 2 * (k + 1);
    xi += aj * Math.sin(j2 * xiPrime) * Math.cosh(j2 * etaPrime);
    eta += aj * Math.cos(j2 * xiPrime) * Math.sinh(j2 * etaPrime);
  });
  return [p.falseEasting + p.k0 * radius * eta, p.falseNorthing + p.k0 * radius * xi];
}

/** [easting, northing] in metres → [lon, lat] in degrees. */
export function unprojectTransverseMercator(
  p: TransverseMercatorParams,
  easting: number,
  northing: number,
): [number, number] {
  const { radius, e, beta } = series(p.ellipsoid);
  const xi = (northing - p.falseNorthing) / (p.k0 * radius);
  const eta = (easting - p.falseEasting) / (p.k0 * radius);
  let xiPrime = xi;
  let etaPrime = eta;
  beta.forEach((bj, k) => {
    const j2 = 2 * (k + 1);
    xiPrime -= bj * Math.sin(j2 * xi) * Math.cosh(j2 * eta);
    etaPrime -= bj * Math.cos(j2 * xi) * Math.sinh(j2 * eta);
  });
  const sinhEta = Math.sinh(etaPrime);
  const cosXi = Math.cos(xiPrime);
  const tauPrime = Math.sin(xiPrime) / Math.hypot(sinhEta, cosXi);
  // Newton's method for the geodetic tan from the conformal one; converges in 2–3 steps.
  const e2 = e * e;
  let tau = tauPrime;
  for (let i = 0; i < 8; i++) {
    const tauI = conformalTan(tau, e);
    const step =
      ((tauPrime - tauI) / Math.sqrt(1 + tauI * tauI)) *
      ((1 + (1 - e2) * tau * tau) / ((1 - e2) * Math.sqrt(1 + tau * tau)));
    tau += step;
    if (Math.abs(step) < 1e-14) break;
  }
  return [p.lon0 + Math.atan2(sinhEta, cosXi) / RAD, Math.atan(tau) / RAD];
}
