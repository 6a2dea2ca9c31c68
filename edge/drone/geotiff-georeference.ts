import {
  type CoordinateSystem,
  coordinateSystemFromEpsg,
  type Datum,
  describeUnsupportedEpsg,
  geographic,
  transverseMercator,
  utm,
} from '../../foundation/geometry/coordinate-systems.ts';
import { type Affine, type Georeference, gridGeoreference } from '../../foundation/geometry/georeference.ts';
import { EdgeError } from '../errors.ts';

/**
 * A GeoTIFF's georeference from its tags (GeoTIFF 1.1, OGC 19-008r4): the GeoKey directory says
 * the coordinate system, ModelTiepoint + ModelPixelScale or ModelTransformation place the pixel
 * grid in it. Pure: the tags come in as read.
 */
export interface GeoTiffTags {
  geoKeys: Record<string, unknown> | null;
  pixelScale?: readonly number[] | undefined;
  tiepoints?: readonly number[] | undefined;
  transformation?: readonly number[] | undefined;
}

const USER_DEFINED = 32767;
const MODEL_PROJECTED = 1;
const MODEL_GEOGRAPHIC = 2;
const RASTER_PIXEL_IS_POINT = 2;
const METRE = 9001;
const DEGREE = 9102;
const CT_TRANSVERSE_MERCATOR = 1;

const DATUM_BY_GEOGRAPHIC: Record<number, Datum> = { 4326: 'WGS 84', 4490: 'CGCS2000' };
const DATUM_BY_GEODETIC_DATUM: Record<number, Datum> = { 6326: 'WGS 84', 1043: 'CGCS2000' };
const DATUM_BY_ELLIPSOID: Record<number, Datum> = { 7030: 'WGS 84', 7019: 'CGCS2000', 1024: 'CGCS2000' };

function numberKey(keys: Record<string, unknown>, name: string): number | undefined {
  const v = keys[name];
  const n = Array.isArray(v) ? v[0] : v;
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
}

/** The datum of the geographic system a projected or geographic one stands on. */
function baseDatum(keys: Record<string, unknown>, label: string): Datum {
  const geographicType = numberKey(keys, 'GeographicTypeGeoKey');
  if (geographicType !== undefined && geographicType !== USER_DEFINED) {
    const datum = DATUM_BY_GEOGRAPHIC[geographicType];
    if (!datum)
      throw new EdgeError(
        'FLIGHT_PROJECTION_UNSUPPORTED',
        `${label}: ${describeUnsupportedEpsg(geographicType)}`,
      );
    return datum;
  }
  const datumCode = numberKey(keys, 'GeogGeodeticDatumGeoKey');
  if (datumCode !== undefined && datumCode !== USER_DEFINED) {
    const datum = DATUM_BY_GEODETIC_DATUM[datumCode];
    if (!datum)
      throw new EdgeError(
        'FLIGHT_PROJECTION_UNSUPPORTED',
        `${label}: geodetic datum EPSG:${datumCode} is not supported (only WGS 84, EPSG:6326, and CGCS2000, EPSG:1043)`,
      );
    return datum;
  }
  const ellipsoid = numberKey(keys, 'GeogEllipsoidGeoKey');
  const datum = ellipsoid === undefined ? undefined : DATUM_BY_ELLIPSOID[ellipsoid];
  if (datum) return datum;
  throw new EdgeError(
    'FLIGHT_PROJECTION_UNSUPPORTED',
    `${label}: the geographic system is user-defined${ellipsoid ? ` on ellipsoid EPSG:${ellipsoid}` : ''}; only WGS 84 and CGCS2000 are supported`,
  );
}

/** A user-defined projected system: UTM by projection code, or transverse Mercator by its parameters. */
function userDefinedProjection(keys: Record<string, unknown>, label: string): CoordinateSystem {
  const datum = baseDatum(keys, label);
  const projection = numberKey(keys, 'ProjectionGeoKey');
  if (projection !== undefined && projection !== USER_DEFINED) {
    if (projection >= 16001 && projection <= 16060)
      return utm(datum, projection - 16000, true, `${datum} / UTM zone ${projection - 16000}N`);
    if (projection >= 16101 && projection <= 16160)
      return utm(datum, projection - 16100, false, `${datum} / UTM zone ${projection - 16100}S`);
    throw new EdgeError(
      'FLIGHT_PROJECTION_UNSUPPORTED',
      `${label}: projection EPSG:${projection} is not supported (only UTM zones, EPSG:16001–16160, or a transverse Mercator by its parameters)`,
    );
  }
  const transform = numberKey(keys, 'ProjCoordTransGeoKey');
  if (transform !== CT_TRANSVERSE_MERCATOR) {
    throw new EdgeError(
      'FLIGHT_PROJECTION_UNSUPPORTED',
      `${label}: ${transform === undefined ? 'the projection is not given (no ProjCoordTransGeoKey)' : `coordinate transformation ${transform} is not supported (only transverse Mercator, 1)`}`,
    );
  }
  const lat0 = numberKey(keys, 'ProjNatOriginLatGeoKey') ?? 0;
  if (lat0 !== 0)
    throw new EdgeError(
      'FLIGHT_PROJECTION_UNSUPPORTED',
      `${label}: a transverse Mercator with latitude of origin ${lat0} is not supported (only 0)`,
    );
  const lon0 = numberKey(keys, 'ProjNatOriginLongGeoKey') ?? numberKey(keys, 'ProjCenterLongGeoKey');
  if (lon0 === undefined)
    throw new EdgeError(
      'FLIGHT_GEOREFERENCE_MISSING',
      `${label}: the transverse Mercator has no central meridian`,
    );
  return transverseMercator(datum, `${datum} / transverse Mercator CM ${lon0}`, {
    lon0,
    k0: numberKey(keys, 'ProjScaleAtNatOriginGeoKey') ?? 1,
    falseEasting: numberKey(keys, 'ProjFalseEastingGeoKey') ?? 0,
    falseNorthing: numberKey(keys, 'ProjFalseNorthingGeoKey') ?? 0,
  });
}

function coordinateSystem(keys: Record<string, unknown>, label: string): CoordinateSystem {
  const projected = numberKey(keys, 'ProjectedCSTypeGeoKey');
  const model =
    numberKey(keys, 'GTModelTypeGeoKey') ?? (projected !== undefined ? MODEL_PROJECTED : MODEL_GEOGRAPHIC);
  if (model === MODEL_PROJECTED) {
    const units = numberKey(keys, 'ProjLinearUnitsGeoKey') ?? METRE;
    if (units !== METRE)
      throw new EdgeError(
        'FLIGHT_PROJECTION_UNSUPPORTED',
        `${label}: linear unit EPSG:${units} is not supported (only metres, EPSG:9001)`,
      );
    if (projected === undefined)
      throw new EdgeError('FLIGHT_GEOREFERENCE_MISSING', `${label}: projected, but no ProjectedCSTypeGeoKey`);
    if (projected === USER_DEFINED) return userDefinedProjection(keys, label);
    const crs = coordinateSystemFromEpsg(projected);
    if (crs?.kind !== 'transverse-mercator')
      throw new EdgeError('FLIGHT_PROJECTION_UNSUPPORTED', `${label}: ${describeUnsupportedEpsg(projected)}`);
    return crs;
  }
  if (model === MODEL_GEOGRAPHIC) {
    const units = numberKey(keys, 'GeogAngularUnitsGeoKey') ?? DEGREE;
    if (units !== DEGREE)
      throw new EdgeError(
        'FLIGHT_PROJECTION_UNSUPPORTED',
        `${label}: angular unit EPSG:${units} is not supported (only degrees, EPSG:9102)`,
      );
    const code = numberKey(keys, 'GeographicTypeGeoKey');
    return geographic(baseDatum(keys, label), code === USER_DEFINED ? undefined : code);
  }
  throw new EdgeError(
    'FLIGHT_PROJECTION_UNSUPPORTED',
    `${label}: model type ${model} is not supported (only projected, 1, and geographic, 2; geocentric is not)`,
  );
}

/** The pixel → model affine, in this product's pixel convention (pixel edges at integers). */
function pixelToModel(tags: GeoTiffTags, pixelIsPoint: boolean, label: string): Affine {
  // Raster space puts (0, 0) at the first pixel's corner (PixelIsArea) or centre (PixelIsPoint).
  const shift = pixelIsPoint ? -0.5 : 0;
  const m = tags.transformation;
  if (m && m.length >= 16) {
    const [a = 0, b = 0, , c = 0, d = 0, e = 0, , f = 0] = m;
    return [a, b, c + shift * (a + b), d, e, f + shift * (d + e)];
  }
  const t = tags.tiepoints;
  const s = tags.pixelScale;
  if (t && t.length >= 6 && s && s.length >= 2) {
    const [i = 0, j = 0, , x = 0, y = 0] = t;
    const [sx = 0, sy = 0] = s;
    return [sx, 0, x - (i - shift) * sx, 0, -sy, y + (j - shift) * sy];
  }
  if (t && t.length > 6)
    throw new EdgeError(
      'FLIGHT_GEOREFERENCE_MISSING',
      `${label}: ${t.length / 6} ground control points and no pixel scale: not an orthorectified grid (orthorectify it first)`,
    );
  const missing = !t || t.length < 6 ? 'ModelTiepoint' : 'ModelPixelScale';
  throw new EdgeError(
    'FLIGHT_GEOREFERENCE_MISSING',
    `${label}: GeoKeys but no ${missing} and no ModelTransformation: the pixels are not placed`,
  );
}

/**
 * The georeference a GeoTIFF's tags give, or undefined when it has none of them at all (the
 * caller then looks for a world file). A partial or unsupported one is refused, naming what is
 * missing or which system it is.
 */
export function georeferenceFromGeoTiff(tags: GeoTiffTags, label: string): Georeference | undefined {
  const placed = Boolean(tags.transformation || tags.tiepoints);
  if (!tags.geoKeys) {
    if (!placed) return undefined;
    throw new EdgeError(
      'FLIGHT_GEOREFERENCE_MISSING',
      `${label}: a tiepoint or transformation but no GeoKeyDirectory: the coordinate system is unknown`,
    );
  }
  const crs = coordinateSystem(tags.geoKeys, label);
  const pixelIsPoint = numberKey(tags.geoKeys, 'GTRasterTypeGeoKey') === RASTER_PIXEL_IS_POINT;
  const affine = pixelToModel(tags, pixelIsPoint, label);
  if (affine[0] * affine[4] - affine[1] * affine[3] === 0)
    throw new EdgeError(
      'FLIGHT_GEOREFERENCE_MISSING',
      `${label}: the pixel scale or transformation is singular`,
    );
  return gridGeoreference(affine, crs);
}
